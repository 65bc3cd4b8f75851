// Add, edit, test and remove connections. Non-secret settings go to the user's settings
// (`pipewright.connections`, application scope: a workspace cannot redefine them), the password
// to SecretStorage bound to the exact URL. New connections are read-only.
import * as vscode from 'vscode';
import type { ConnectionConfig } from '../core/connectors/connectionConfig';
import type { ConnectionHub } from './connectionHub';
import type { ConnectionNode } from './connectionsTree';
import { loadEngine } from './loadEngine';

type Environment = ConnectionConfig['environment'];

export function registerConnectionCommands(context: vscode.ExtensionContext, hub: ConnectionHub, log: vscode.LogOutputChannel): void {
  const register = (id: string, run: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
  // Toasts name a connection as the user named it, not by its id.
  const labelOf = (id: string) => hub.views().find((c) => c.id === id)?.label ?? id;
  const pick = async (node: ConnectionNode | undefined, verb: string, includeSample = false): Promise<string | undefined> => {
    if (node?.type === 'connection') return node.connection.id;
    const items = hub.views().filter((c) => includeSample || c.id !== 'sample').map((c) => ({ label: c.label, description: `${c.dialect} · ${c.environment.toUpperCase()}`, id: c.id }));
    if (!items.length) {
      void vscode.window.showInformationMessage('Pipewright: no saved connections yet. Use "Pipewright: Add Connection".');
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { title: `Pipewright: ${verb} Connection` }))?.id;
  };

  const save = async (configs: ConnectionConfig[]) => {
    await vscode.workspace.getConfiguration('pipewright').update('connections', configs, vscode.ConfigurationTarget.Global);
    await hub.reload();
  };

  const test = async (id: string): Promise<boolean> => {
    await hub.forget(id);
    try {
      const started = Date.now();
      const opened = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pipewright: connecting to ${labelOf(id)}…` }, () => hub.open(id));
      const tables = hub.views().find((c) => c.id === id)?.tables?.length ?? 0;
      void vscode.window.showInformationMessage(`Pipewright: connected to ${opened.summary.label} in ${Date.now() - started} ms (${tables}${tables === 200 ? '+' : ''} tables).${opened.transport ? ` ${opened.transport}.` : ''}`);
      return true;
    } catch (error) {
      const hint = (error as { hint?: string }).hint;
      const message = `Pipewright could not connect to ${labelOf(id)}: ${error instanceof Error ? error.message : String(error)}${hint ? ` ${hint}` : ''}`;
      log.warn(message);
      const choice = await vscode.window.showErrorMessage(message, 'Edit Connection');
      if (choice) await vscode.commands.executeCommand('pipewright.editConnection', id);
      return false;
    }
  };

  /** Asks for everything but the id; `existing` pre-fills an edit. */
  const ask = async (existing?: ConnectionConfig): Promise<{ config: Omit<ConnectionConfig, 'id'>; secret?: string } | undefined> => {
    const engine = loadEngine();
    const kind = existing?.kind ?? (await vscode.window.showQuickPick(
      [
        { label: 'PostgreSQL', connectionKind: 'postgres' as const, detail: 'postgres://user@host:5432/database' },
        { label: 'Snowflake', connectionKind: 'snowflake' as const, detail: 'snowflake://user@account/DATABASE/SCHEMA?warehouse=WH&role=ROLE — password, key pair, OAuth token or browser SSO' },
        { label: 'DuckDB file', connectionKind: 'duckdb' as const, detail: 'A .duckdb file, opened read-only' },
      ],
      { title: 'Pipewright: Add Connection (1/4): kind' },
    ))?.connectionKind;
    if (!kind) return undefined;
    let target: string | undefined;
    let secret: string | undefined;
    let privateKeyPath: string | undefined;
    if (kind === 'snowflake') {
      target = await vscode.window.showInputBox({
        title: 'Pipewright: Snowflake URL (2/4)',
        prompt: 'Without a password. Sign-in: &authenticator=password (default), keypair, oauth or externalbrowser',
        placeHolder: 'snowflake://analyst@myorg-myaccount/ANALYTICS/PUBLIC?warehouse=WH&role=ANALYST',
        value: existing?.kind === 'snowflake' ? existing.url : undefined,
        ignoreFocusOut: true,
        validateInput: (value) => {
          try {
            if (new URL(value.trim()).password) return 'Leave the password out: you will be asked for it next, and it goes to secret storage.';
            engine.snowflakeOptionsFromUrl(value.trim(), { SNOWFLAKE_AUTHENTICATOR: 'externalbrowser' });
            return undefined;
          } catch (error) {
            return error instanceof Error ? error.message : String(error);
          }
        },
      });
      if (!target) return undefined;
      target = target.trim();
      if (engine.snowflakeSecretKind(target) === 'passphrase') {
        const chosen = await vscode.window.showOpenDialog({ title: 'Pipewright: Snowflake private key (PKCS#8 .p8)', canSelectMany: false, filters: { 'Private key': ['p8', 'pem', 'key'] } });
        privateKeyPath = chosen?.[0]?.fsPath ?? (existing?.kind === 'snowflake' ? existing.privateKeyPath : undefined);
        if (!privateKeyPath) return undefined;
      }
    } else if (kind === 'postgres') {
      target = await vscode.window.showInputBox({
        title: 'Pipewright: connection URL (2/4)',
        prompt: 'PostgreSQL URL without the password; SSL in the query: ?sslmode=verify-full&sslrootcert=/path/ca.pem',
        placeHolder: 'postgres://analyst@db.example.com:5432/warehouse?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem',
        value: existing?.kind === 'postgres' ? existing.url : undefined,
        ignoreFocusOut: true,
        validateInput: (value) => {
          try {
            engine.postgresOptionsFromUrl(value.trim());
            return undefined;
          } catch (error) {
            return error instanceof Error ? error.message : String(error);
          }
        },
      });
      if (!target) return undefined;
      // A password typed into the URL is moved to SecretStorage; settings never hold it.
      const url = new URL(target.trim());
      if (url.password) {
        secret = decodeURIComponent(url.password);
        url.password = '';
      }
      target = url.toString();
    } else {
      const chosen = await vscode.window.showOpenDialog({ title: 'Pipewright: DuckDB file', canSelectMany: false, filters: { DuckDB: ['duckdb', 'db', 'ddb'] } });
      target = chosen?.[0]?.fsPath ?? (existing?.kind === 'duckdb' ? existing.path : undefined);
      if (!target) return undefined;
    }
    const label = await vscode.window.showInputBox({
      title: 'Pipewright: name (3/4)',
      value: existing?.label ?? defaultLabel(kind, target),
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Give the connection a name.'),
    });
    if (!label) return undefined;
    const environment = (await vscode.window.showQuickPick(
      (['dev', 'staging', 'prod'] as Environment[]).map((e) => ({ label: e, picked: e === (existing?.environment ?? 'dev'), description: e === 'prod' ? 'shown with a PROD badge; writes need typed confirmation' : undefined })),
      { title: 'Pipewright: environment (4/4)', ignoreFocusOut: true },
    ))?.label as Environment | undefined;
    if (!environment) return undefined;
    const secretKind = kind === 'postgres' ? 'password' : kind === 'snowflake' ? engine.snowflakeSecretKind(target) : 'none';
    if (secretKind !== 'none' && secret === undefined) {
      const what = { password: 'password', passphrase: 'private key passphrase', token: 'OAuth access token' }[secretKind];
      const typed = await vscode.window.showInputBox({
        title: `Pipewright: ${what}`,
        prompt: existing
          ? `Leave empty to keep the stored ${what}${kind === 'postgres' ? ' (or to use ~/.pgpass)' : ''}`
          : `Stored in VS Code's secret storage${kind === 'postgres' ? '. Leave empty to use ~/.pgpass.' : secretKind === 'passphrase' ? '. Leave empty for an unencrypted key.' : '.'}`,
        password: true,
        ignoreFocusOut: true,
      });
      if (typed === undefined) return undefined;
      secret = typed || undefined;
    }
    // New connections are read-only; an edit keeps what the user chose (readOnly is edited in settings).
    const readOnly = existing?.readOnly ?? true;
    const config = kind === 'duckdb'
      ? { kind, label: label.trim(), path: target, environment, readOnly }
      : { kind, label: label.trim(), url: target, ...(privateKeyPath ? { privateKeyPath } : {}), environment, readOnly };
    return { config: config as Omit<ConnectionConfig, 'id'>, secret };
  };

  register('pipewright.addConnection', async () => {
    const answer = await ask();
    if (!answer) return;
    const configs = hub.configs();
    const config = { ...answer.config, id: uniqueId(answer.config.label, new Set(['sample', ...configs.map((c) => c.id)])) } as ConnectionConfig;
    if (answer.secret) await context.secrets.store(loadEngine().connectionSecretKey(config), answer.secret);
    await save([...configs, config]);
    log.info(`Added connection ${config.id} (${config.kind}, ${config.environment}).`);
    await test(config.id);
  });

  register('pipewright.editConnection', async (arg?: ConnectionNode | string) => {
    const id = typeof arg === 'string' ? arg : await pick(arg, 'Edit');
    const existing = hub.configs().find((c) => c.id === id);
    if (!existing) return;
    const answer = await ask(existing);
    if (!answer) return;
    const engine = loadEngine();
    const updated = { ...answer.config, id: existing.id } as ConnectionConfig;
    const oldKey = engine.connectionSecretKey(existing);
    const newKey = engine.connectionSecretKey(updated);
    // A kept password follows the connection only while it points at the same target.
    const kept = answer.secret ?? (oldKey === newKey ? await context.secrets.get(oldKey) : undefined);
    if (oldKey !== newKey) await context.secrets.delete(oldKey);
    if (kept) await context.secrets.store(newKey, kept);
    await save(hub.configs().map((c) => (c.id === existing.id ? updated : c)));
    await test(existing.id);
  });

  register('pipewright.testConnection', async (node?: ConnectionNode) => {
    const id = await pick(node, 'Test', true);
    if (id) await test(id);
  });

  register('pipewright.removeConnection', async (node?: ConnectionNode) => {
    const id = await pick(node, 'Remove');
    const existing = hub.configs().find((c) => c.id === id);
    if (!existing) return;
    const confirmed = await vscode.window.showWarningMessage(`Remove the connection "${existing.label}" and its stored password?`, { modal: true }, 'Remove');
    if (confirmed !== 'Remove') return;
    await context.secrets.delete(loadEngine().connectionSecretKey(existing));
    await hub.forget(existing.id);
    await save(hub.configs().filter((c) => c.id !== existing.id));
    log.info(`Removed connection ${existing.id}.`);
  });

  register('pipewright.syncCatalog', async (node?: ConnectionNode) => {
    const id = await pick(node, 'Sync Catalog of', true);
    if (!id) return;
    try {
      const stats = await hub.syncCatalog(id, { interactive: true });
      void vscode.window.showInformationMessage(`Pipewright: catalog of ${labelOf(id)} synced (${stats.mode}): ${stats.tables.toLocaleString()} tables, ${stats.columns.toLocaleString()} columns in ${(stats.ms / 1000).toFixed(1)} s.`);
    } catch (error) {
      if ((error as Error).name === 'QueryCancelledError') {
        void vscode.window.showInformationMessage(`Pipewright: catalog sync of ${labelOf(id)} stopped; the cached catalog is unchanged.`);
        return;
      }
      const hint = (error as { hint?: string }).hint;
      void vscode.window.showErrorMessage(`Pipewright could not sync the catalog of ${labelOf(id)}: ${error instanceof Error ? error.message : String(error)}${hint ? ` ${hint}` : ''}`);
    }
  });

  register('pipewright.refreshConnections', async () => {
    for (const c of hub.views()) await hub.forget(c.id);
  });
}

function defaultLabel(kind: ConnectionConfig['kind'], target: string): string {
  if (kind === 'duckdb') return target.split(/[\\/]/).pop() ?? target;
  const url = new URL(target);
  if (kind === 'snowflake') return `${url.pathname.replace(/^\//, '').replace('/', '.') || 'Snowflake'} on ${url.hostname}`;
  return `${url.pathname.replace(/^\//, '')} on ${url.hostname}`;
}

function uniqueId(label: string, taken: Set<string>): string {
  const base = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'connection';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}
