import type { RedisClient } from '../redis.js';
import type { CatalogueAgent } from '../agents/agent.js';
import {
  catalogueDocumentSchema,
  catalogueKeys,
  canonicalJson,
  type CatalogueDocument,
  type CatalogueTool,
} from './catalogue-document.js';
import { defaultCatalogueTiming } from './catalogue-publisher.js';

/** One name served by live workers, with how many of them serve it. */
export interface Served<Definition> {
  definition: Definition;
  workers: string[];
}

/** Two or more live workers serve different definitions under one name: reported, never guessed. */
export interface CatalogueConflict {
  kind: 'tool' | 'agent';
  name: string;
  /** The workers behind each definition. */
  definitions: { workers: string[]; definition: unknown }[];
}

export interface CatalogueView {
  taskQueue: string;
  workers: string[];
  tools: Map<string, Served<CatalogueTool>>;
  agents: Map<string, Served<CatalogueAgent>>;
  conflicts: CatalogueConflict[];
  mcpServers: (CatalogueDocument['mcpServers'][number] & { worker: string })[];
}

/** Returns the live workers' entries by Redis's clock and drops those past their time. */
const liveWorkersScript = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local entries = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #entries, 2 do
  local ok, entry = pcall(cjson.decode, entries[i + 1])
  if ok and type(entry) == 'table' and tonumber(entry.seenAt) and ms - tonumber(entry.seenAt) <= tonumber(ARGV[1]) then
    table.insert(live, entries[i])
    table.insert(live, entry.digest)
  else
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return live`;

/**
 * The API's side: the union of what the live workers of one task queue
 * publish. Documents are immutable per digest, so each is fetched once per
 * process; a read costs one script call plus whatever document is new.
 */
export class CatalogueReader {
  private readonly documents = new Map<string, CatalogueDocument>();
  private readonly keys;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { keyPrefix: string; taskQueue: string; ttlMs?: number },
  ) {
    this.keys = catalogueKeys(options.keyPrefix, options.taskQueue);
  }

  async read(): Promise<CatalogueView> {
    const flat = (await this.redis.eval(liveWorkersScript, 1, this.keys.workers, this.options.ttlMs ?? defaultCatalogueTiming.ttlMs)) as string[];
    const workers: { id: string; document: CatalogueDocument }[] = [];
    for (let index = 0; index < flat.length; index += 2) {
      const document = await this.document(flat[index + 1]!);
      if (document) workers.push({ id: flat[index]!, document });
    }
    // Hash order is arbitrary: sorted, so answers (and conflict reports) read the same on every call.
    return merge(this.options.taskQueue, workers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }

  private async document(digest: string): Promise<CatalogueDocument | undefined> {
    const cached = this.documents.get(digest);
    if (cached) return cached;
    const json = await this.redis.get(this.keys.document(digest));
    if (json === null) return undefined;
    const parsed = catalogueDocumentSchema.safeParse(parseJson(json));
    if (!parsed.success) return undefined;
    if (this.documents.size > 1_000) this.documents.clear();
    this.documents.set(digest, parsed.data as CatalogueDocument);
    return parsed.data as CatalogueDocument;
  }
}

/** No live worker: what a task queue's catalogue looks like before any worker started. */
export const emptyCatalogueView = (taskQueue: string): CatalogueView => merge(taskQueue, []);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function merge(taskQueue: string, workers: { id: string; document: CatalogueDocument }[]): CatalogueView {
  const conflicts: CatalogueConflict[] = [];
  const union = <Definition extends { name: string }>(kind: 'tool' | 'agent', pick: (document: CatalogueDocument) => Definition[]) => {
    const byName = new Map<string, Map<string, Served<Definition>>>();
    for (const { id, document } of workers) {
      for (const definition of pick(document)) {
        const variants = byName.get(definition.name) ?? new Map<string, Served<Definition>>();
        byName.set(definition.name, variants);
        const key = canonicalJson(definition);
        const variant = variants.get(key) ?? { definition, workers: [] };
        variant.workers.push(id);
        variants.set(key, variant);
      }
    }
    const served = new Map<string, Served<Definition>>();
    for (const [name, variants] of byName) {
      if (variants.size === 1) served.set(name, [...variants.values()][0]!);
      else conflicts.push({ kind, name, definitions: [...variants.values()].map(({ definition, workers }) => ({ workers, definition })) });
    }
    return served;
  };
  return {
    taskQueue,
    workers: workers.map((worker) => worker.id),
    tools: union('tool', (document) => document.tools),
    agents: union('agent', (document) => document.agents as CatalogueAgent[]),
    conflicts,
    mcpServers: workers.flatMap(({ id, document }) => document.mcpServers.map((server) => ({ ...server, worker: id }))),
  };
}

