// Renders the run event stream for a human in a terminal: steps as they happen, then the
// answer, the final SQL and the result as a table.
import type { RunEvent } from '../core/observability/events';
import { showInvisible } from '../core/protocol/visibleText';

export function createTextRenderer(out: NodeJS.WritableStream, options: { color: boolean }): (event: RunEvent) => void {
  const paint = (code: string) => (text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const dim = paint('2');
  const bold = paint('1');
  const red = paint('31');
  const green = paint('32');
  let thinking = false;
  // A step's prose is held until the step ends: narration before tool calls is printed then, and a
  // step without tool calls is the answer, printed once under its heading.
  let stepText = '';
  const endStream = () => {
    if (thinking) out.write('\n');
    thinking = false;
  };

  return (event) => {
    switch (event.type) {
      case 'run.started':
        out.write(`${bold('Question:')} ${event.question}\n${dim(`${event.connection.label} · ${event.connection.dialect} · ${event.connection.environment} · ${event.model}`)}\n\n`);
        break;
      case 'model.delta':
        if (event.channel === 'text') {
          stepText += event.text;
          break;
        }
        if (!thinking) out.write(dim('thinking: '));
        thinking = true;
        out.write(dim(sanitize(event.text)));
        break;
      case 'model.completed':
        endStream();
        if (event.toolCalls > 0 && stepText.trim()) out.write(`${sanitize(stepText.trim())}\n`);
        stepText = '';
        break;
      case 'schema.linked':
        out.write(event.error
          ? dim(`schema linker unavailable: ${sanitize(event.error)}\n`)
          : dim(`schema linker: ${event.tables.length} of ${event.totalTables} tables for this question (${event.durationMs} ms): ${sanitize(event.tables.slice(0, 5).join(', '))}${event.tables.length > 5 ? ', …' : ''}\n`));
        break;
      case 'tool.started':
        endStream();
        out.write(`${bold('→')} ${event.tool} ${event.sql ? '' : dim(JSON.stringify(event.args))}\n`);
        if (event.sql) out.write(indent(sanitize(event.sql), '    ') + '\n');
        break;
      case 'tool.finished':
        out.write(event.ok
          ? `  ${green('✓')} ${event.summary} ${dim(`(${event.durationMs} ms)`)}\n`
          : `  ${red('✗')} ${sanitize(event.error ?? event.summary)} ${dim(`(${event.durationMs} ms)`)}\n`);
        break;
      case 'approval.requested':
        out.write(dim(`  needs ${event.request.level === 'confirm' ? 'typed confirmation' : 'approval'}: ${sanitize(event.request.title)} on ${sanitize(event.request.connection.label)} (${event.request.connection.environment})\n`));
        break;
      case 'answer':
        endStream();
        out.write(`\n${bold('Answer')}\n${sanitize(event.text)}\n`);
        if (event.sql) out.write(`\n${bold('SQL')}\n${indent(sanitize(event.sql), '  ')}\n`);
        if (event.result) out.write(`\n${formatTable(event.result.columns.map((c) => c.name), event.result.rows.slice(0, 20))}${event.result.rowCount > 20 || event.result.truncated ? dim(`\n  … ${event.result.rowCount}${event.result.truncated ? '+' : ''} rows in all`) : ''}\n`);
        break;
      case 'run.finished':
        endStream();
        if (event.status === 'stopped') out.write(`\n${red('Stopped.')} ${dim(`after ${event.durationMs} ms`)}\n`);
        else if (event.status === 'failed') out.write(`\n${red('Failed:')} ${sanitize(event.error ?? '')}${event.hint ? `\n${event.hint}` : ''}\n`);
        else out.write(dim(`\nDone in ${event.durationMs} ms.\n`));
        if (event.usage) out.write(dim(`Tokens: ${event.usage.inputTokens.toLocaleString('en-US')} prompt, ${event.usage.outputTokens.toLocaleString('en-US')} completion.\n`));
        break;
      default:
        break;
    }
  };
}

/** Data and model text never drive the terminal: control characters (escape codes) are shown, not obeyed. */
export function sanitize(text: string): string {
  return showInvisible(text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function indent(text: string, prefix: string): string {
  return text.split('\n').map((line) => prefix + line).join('\n');
}

function formatTable(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((row) => row.map((v) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))))].map((row) =>
    row.map((c) => sanitize(c).slice(0, 40)),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => '  ' + row.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(cells[0]), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
