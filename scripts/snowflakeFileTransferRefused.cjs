// Stands in for snowflake-sdk's file transfer agent in the bundled driver (see build.mjs). PUT and
// GET move files between this machine and a stage; Pipewright refuses them before the driver is
// called, so the agent and the cloud storage clients it needs (AWS S3, Azure Blob, GCS) are left
// out of the bundle. Should anything reach the driver's file-transfer path anyway, it fails here.
'use strict';

function FileTransferAgent() {
  throw new Error('PUT and GET (file transfer to and from a stage) are not available in Pipewright: load or unload files with your own tools.');
}

module.exports = FileTransferAgent;
