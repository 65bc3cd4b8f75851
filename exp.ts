import { startScriptedModel } from './test/support/scriptedModelServer';
import { sampleWarehouseScript } from './test/support/sampleScript';
import { main } from './src/cli/main';
(async () => {
  const m = await startScriptedModel(sampleWarehouseScript);
  const env = { ...process.env, OPENAI_BASE_URL: m.baseUrl, OPENAI_API_KEY: 'k', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: '/tmp/pwhome' };
  console.log('exit', await main(['ask', 'top 5 customers by revenue last quarter'], env));
  const t = Date.now(); setTimeout(() => process.emit('SIGINT' as any), 800);
  console.log('exit', await main(['ask', 'a slow one', '--json'], env), Date.now() - t);
  await m.close();
})();
