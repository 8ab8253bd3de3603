import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    redisUrl: string;
    llmUrl: string;
    workflowBundlePath: string;
    temporalCli: string;
  }
}
