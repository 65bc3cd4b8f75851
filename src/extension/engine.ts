// Everything the extension needs from the core, bundled separately (dist/engine.js) and loaded
// on first use: activation only registers views and commands, so zod, the openai client and the
// database drivers stay unloaded until the panel or a command needs them.
export { runAsk } from '../core/agents/askAgent';
export { runUserSql } from '../core/agents/userSqlRun';
export { ConversationStore } from '../core/conversations/conversationStore';
export { statementAt, statementRanges, StatementSplitError } from '../core/sql/statementRanges';
export { catalogCachePath, linkSchema, refreshCatalog } from '../core/catalog/schemaContext';
export { readCatalog } from '../core/catalog/catalogCache';
export { columnsOf, indexCatalog, tablePage, TREE_PAGE_SIZE } from '../core/catalog/catalogTree';
export { connectionSecretKey, parseConnectionConfigs, snowflakeSecretKind } from '../core/connectors/connectionConfig';
export { openConfigured, openConnection, SAMPLE_CONNECTION } from '../core/connectors/open';
export { postgresOptionsFromUrl } from '../core/connectors/postgres';
export { snowflakeOptionsFromUrl } from '../core/connectors/snowflake';
export { OpenAICompatibleProvider } from '../core/llm/openaiProvider';
export { ToHostSchema, ToWebviewSchema } from '../core/protocol/webviewMessages';
export { AuditLog, readAuditTail, renderAuditMarkdown, verifyAuditLog } from '../core/observability/auditLog';
export { defaultAuditPath } from '../core/observability/auditPath';
export { auditedConnector } from '../core/observability/auditedConnector';
export { auditKeyFromText, newAuditKeyText } from '../core/observability/auditKey';
export { MementoAnchorStore } from './auditAnchorMemento';
export { PolicySession } from '../core/policy/gate';
export { toClipboardText, toCsv, toJson } from '../core/results/resultFiles';
