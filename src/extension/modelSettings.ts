// Which model the panel uses, from settings and SecretStorage. The API key is stored per server
// origin, so pointing the base URL somewhere else never sends the old key there.
import * as vscode from 'vscode';
import { hostOf } from '../core/llm/origin';
import type { LlmProvider } from '../core/llm/provider';
import { loadEngine } from './loadEngine';
import { VscodeLmProvider } from './vscodeLmProvider';

export interface ModelChoice {
  provider?: LlmProvider;
  label?: string;
  problem?: string;
}

export function apiKeySecretName(baseUrl: string): string {
  return `pipewright.model.apiKey:${hostOf(baseUrl)}`;
}

export function modelConfig() {
  const config = vscode.workspace.getConfiguration('pipewright.model');
  return {
    kind: config.get<string>('provider', 'openai-compatible'),
    baseUrl: config.get<string>('baseUrl', 'https://api.openai.com/v1').trim(),
    name: config.get<string>('name', '').trim(),
    family: config.get<string>('vscodeLmFamily', '').trim(),
  };
}

export async function resolveModel(secrets: vscode.SecretStorage): Promise<ModelChoice> {
  const config = modelConfig();
  if (config.kind === 'vscode-lm') {
    if (!vscode.lm?.selectChatModels) return { problem: 'This editor has no language model API. Set "pipewright.model.provider" to "openai-compatible".' };
    const models = await vscode.lm.selectChatModels(config.family ? { family: config.family } : {});
    if (!models.length) return { problem: 'No VS Code language model is available. Install and sign in to a chat extension, or set "pipewright.model.provider" to "openai-compatible".' };
    const provider = new VscodeLmProvider(models[0]);
    return { provider, label: provider.label };
  }
  if (!isHttpUrl(config.baseUrl)) return { problem: `The model base URL "${hostOf(config.baseUrl)}" is not an http(s) URL. Fix "pipewright.model.baseUrl" in your user settings.` };
  if (!config.name) return { problem: 'No model name is set. Set "pipewright.model.name" in your user settings (e.g. gpt-4.1-mini, or a model your server serves).' };
  const apiKey = (await secrets.get(apiKeySecretName(config.baseUrl))) ?? environmentKeyFor(config.baseUrl);
  if (!apiKey) return { problem: `No API key is stored for ${hostOf(config.baseUrl)}. Run "Pipewright: Set Model API Key".` };
  const provider = new (loadEngine().OpenAICompatibleProvider)({ baseUrl: config.baseUrl, apiKey, model: config.name });
  return { provider, label: provider.label };
}

/**
 * The editor's own OPENAI_API_KEY, used only when OPENAI_BASE_URL (or OpenAI's default) points
 * at the same origin as the configured base URL: a key is never sent to a server it was not for.
 */
function environmentKeyFor(baseUrl: string): string | undefined {
  const key = process.env.OPENAI_API_KEY?.trim();
  const envBase = process.env.OPENAI_BASE_URL?.trim() || 'https://api.openai.com/v1';
  return key && hostOf(envBase) === hostOf(baseUrl) ? key : undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
