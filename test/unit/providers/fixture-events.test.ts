import { describe, expect, it } from 'vitest';
import { fixtureBytes, mapPieces } from './fixture-replay.js';

/** What each recorded fixture means, unsplit: the neutral events (and the classified error) it maps to. */

describe('openai-chat fixtures', () => {
  it('text', async () => {
    expect(await mapPieces('openai-chat', [fixtureBytes('openai-chat', 'text')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "text": "Bonjour",
            "type": "text-delta",
          },
          {
            "text": "!",
            "type": "text-delta",
          },
          {
            "text": " Voilà",
            "type": "text-delta",
          },
          {
            "text": " le",
            "type": "text-delta",
          },
          {
            "text": " café",
            "type": "text-delta",
          },
          {
            "text": " ☕",
            "type": "text-delta",
          },
          {
            "text": " —",
            "type": "text-delta",
          },
          {
            "text": " 日本語",
            "type": "text-delta",
          },
          {
            "text": "も",
            "type": "text-delta",
          },
          {
            "text": " 話せます",
            "type": "text-delta",
          },
          {
            "text": " 🚀",
            "type": "text-delta",
          },
          {
            "text": ".",
            "type": "text-delta",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 0,
              "inputTokens": 19,
              "outputTokens": 23,
              "reasoningTokens": 0,
              "totalTokens": 42,
            },
          },
          {
            "finishReason": "stop",
            "rawFinishReason": "stop",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('tools', async () => {
    expect(await mapPieces('openai-chat', [fixtureBytes('openai-chat', 'tools')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "callId": "call_3VXm0kYQe6bF2cR3nXjT1aBq",
            "name": "calculator",
            "type": "tool-call-start",
          },
          {
            "argumentsDelta": "{"expr",
            "callId": "call_3VXm0kYQe6bF2cR3nXjT1aBq",
            "type": "tool-call-delta",
          },
          {
            "callId": "call_9pLwQ2rTz5mYb8NcX1vE4sDk",
            "name": "current_time",
            "type": "tool-call-start",
          },
          {
            "argumentsDelta": "ession": "(17+25)",
            "callId": "call_3VXm0kYQe6bF2cR3nXjT1aBq",
            "type": "tool-call-delta",
          },
          {
            "argumentsDelta": "{"zone":"Europe/Zürich"}",
            "callId": "call_9pLwQ2rTz5mYb8NcX1vE4sDk",
            "type": "tool-call-delta",
          },
          {
            "argumentsDelta": "*3"}",
            "callId": "call_3VXm0kYQe6bF2cR3nXjT1aBq",
            "type": "tool-call-delta",
          },
          {
            "argumentsText": "{"expression": "(17+25)*3"}",
            "callId": "call_3VXm0kYQe6bF2cR3nXjT1aBq",
            "name": "calculator",
            "type": "tool-call-ready",
          },
          {
            "argumentsText": "{"zone":"Europe/Zürich"}",
            "callId": "call_9pLwQ2rTz5mYb8NcX1vE4sDk",
            "name": "current_time",
            "type": "tool-call-ready",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 64,
              "inputTokens": 82,
              "outputTokens": 41,
              "reasoningTokens": 0,
              "totalTokens": 123,
            },
          },
          {
            "finishReason": "tool_calls",
            "rawFinishReason": "tool_calls",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('reasoning', async () => {
    expect(await mapPieces('openai-chat', [fixtureBytes('openai-chat', 'reasoning')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "blockId": "reasoning-0",
            "type": "reasoning-start",
          },
          {
            "blockId": "reasoning-0",
            "text": "The user wants",
            "type": "reasoning-delta",
          },
          {
            "blockId": "reasoning-0",
            "text": " 2+2; that is",
            "type": "reasoning-delta",
          },
          {
            "blockId": "reasoning-0",
            "text": " 4 — easy.",
            "type": "reasoning-delta",
          },
          {
            "blockId": "reasoning-0",
            "type": "reasoning-end",
          },
          {
            "text": "2 + 2 = ",
            "type": "text-delta",
          },
          {
            "text": "4",
            "type": "text-delta",
          },
          {
            "text": ".",
            "type": "text-delta",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 0,
              "inputTokens": 12,
              "outputTokens": 30,
              "reasoningTokens": 18,
              "totalTokens": 42,
            },
          },
          {
            "finishReason": "stop",
            "rawFinishReason": "stop",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('error-mid-stream', async () => {
    expect(await mapPieces('openai-chat', [fixtureBytes('openai-chat', 'error-mid-stream')])).toMatchInlineSnapshot(`
      {
        "error": {
          "kind": "server",
          "message": "openai:replay-model server: The server had an error while processing your request. Sorry about that!",
          "retryable": true,
        },
        "events": [
          {
            "text": "Partial ans",
            "type": "text-delta",
          },
          {
            "text": "wer…",
            "type": "text-delta",
          },
        ],
      }
    `);
  });
  it('truncated', async () => {
    expect(await mapPieces('openai-chat', [fixtureBytes('openai-chat', 'truncated')])).toMatchInlineSnapshot(`
      {
        "error": {
          "kind": "truncated",
          "message": "openai:replay-model truncated: the stream ended before its finish event",
          "retryable": true,
        },
        "events": [
          {
            "text": "This answer is cut ",
            "type": "text-delta",
          },
          {
            "text": "off mid-sent",
            "type": "text-delta",
          },
        ],
      }
    `);
  });
});

describe('openai-responses fixtures', () => {
  it('text', async () => {
    expect(await mapPieces('openai-responses', [fixtureBytes('openai-responses', 'text')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "text": "Bonjour",
            "type": "text-delta",
          },
          {
            "text": "!",
            "type": "text-delta",
          },
          {
            "text": " Voilà",
            "type": "text-delta",
          },
          {
            "text": " le",
            "type": "text-delta",
          },
          {
            "text": " café",
            "type": "text-delta",
          },
          {
            "text": " ☕",
            "type": "text-delta",
          },
          {
            "text": " —",
            "type": "text-delta",
          },
          {
            "text": " 日本語",
            "type": "text-delta",
          },
          {
            "text": "も",
            "type": "text-delta",
          },
          {
            "text": " 話せます",
            "type": "text-delta",
          },
          {
            "text": " 🚀",
            "type": "text-delta",
          },
          {
            "text": ".",
            "type": "text-delta",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 0,
              "inputTokens": 19,
              "outputTokens": 23,
              "reasoningTokens": 0,
              "totalTokens": 42,
            },
          },
          {
            "finishReason": "stop",
            "rawFinishReason": "completed",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('tools', async () => {
    expect(await mapPieces('openai-responses', [fixtureBytes('openai-responses', 'tools')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "callId": "call_pQ7rS8tU9vW0xY1zA2bC3dE4",
            "name": "calculator",
            "type": "tool-call-start",
          },
          {
            "argumentsDelta": "{"exp",
            "callId": "call_pQ7rS8tU9vW0xY1zA2bC3dE4",
            "type": "tool-call-delta",
          },
          {
            "argumentsDelta": "ression":",
            "callId": "call_pQ7rS8tU9vW0xY1zA2bC3dE4",
            "type": "tool-call-delta",
          },
          {
            "argumentsDelta": ""(17+25)*3"}",
            "callId": "call_pQ7rS8tU9vW0xY1zA2bC3dE4",
            "type": "tool-call-delta",
          },
          {
            "argumentsText": "{"expression":"(17+25)*3"}",
            "callId": "call_pQ7rS8tU9vW0xY1zA2bC3dE4",
            "name": "calculator",
            "type": "tool-call-ready",
          },
          {
            "callId": "call_fG5hI6jK7lM8nO9pQ0rS1tU2",
            "name": "current_time",
            "type": "tool-call-start",
          },
          {
            "argumentsDelta": "{"zone":"Europe/Zürich"}",
            "callId": "call_fG5hI6jK7lM8nO9pQ0rS1tU2",
            "type": "tool-call-delta",
          },
          {
            "argumentsText": "{"zone":"Europe/Zürich"}",
            "callId": "call_fG5hI6jK7lM8nO9pQ0rS1tU2",
            "name": "current_time",
            "type": "tool-call-ready",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 64,
              "inputTokens": 82,
              "outputTokens": 41,
              "reasoningTokens": 0,
              "totalTokens": 123,
            },
          },
          {
            "finishReason": "tool_calls",
            "rawFinishReason": "completed",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('reasoning', async () => {
    expect(await mapPieces('openai-responses', [fixtureBytes('openai-responses', 'reasoning')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "blockId": "rs_68c2a7b1d6e48190a3f5c2e19b7d04e2",
            "type": "reasoning-start",
          },
          {
            "blockId": "rs_68c2a7b1d6e48190a3f5c2e19b7d04e2",
            "text": "**Checking",
            "type": "reasoning-delta",
          },
          {
            "blockId": "rs_68c2a7b1d6e48190a3f5c2e19b7d04e2",
            "text": " the arithmetic**

      The user asks for 27 × 453.",
            "type": "reasoning-delta",
          },
          {
            "blockId": "rs_68c2a7b1d6e48190a3f5c2e19b7d04e2",
            "text": "

      Compute:",
            "type": "reasoning-delta",
          },
          {
            "blockId": "rs_68c2a7b1d6e48190a3f5c2e19b7d04e2",
            "text": " 27 × 453 = 12,231.",
            "type": "reasoning-delta",
          },
          {
            "blockId": "rs_68c2a7b1d6e48190a3f5c2e19b7d04e2",
            "providerData": {
              "encryptedContent": "gAAAAABoy_enc_Q2hlY2tpbmcgdGhlIGFyaXRobWV0aWM_d7f1c0ffee==final",
              "itemId": "rs_68c2a7b1d6e48190a3f5c2e19b7d04e2",
              "protocol": "openai-responses",
            },
            "type": "reasoning-end",
          },
          {
            "text": "27 × 453 = ",
            "type": "text-delta",
          },
          {
            "text": "12,231.",
            "type": "text-delta",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 0,
              "inputTokens": 40,
              "outputTokens": 350,
              "reasoningTokens": 320,
              "totalTokens": 390,
            },
          },
          {
            "finishReason": "stop",
            "rawFinishReason": "completed",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('error-mid-stream', async () => {
    expect(await mapPieces('openai-responses', [fixtureBytes('openai-responses', 'error-mid-stream')])).toMatchInlineSnapshot(`
      {
        "error": {
          "kind": "server",
          "message": "openai-responses:replay-model server: The server had an error processing your request. Sorry about that! You can retry your request.",
          "retryable": true,
        },
        "events": [
          {
            "text": "Partial ans",
            "type": "text-delta",
          },
        ],
      }
    `);
  });
  it('truncated', async () => {
    expect(await mapPieces('openai-responses', [fixtureBytes('openai-responses', 'truncated')])).toMatchInlineSnapshot(`
      {
        "error": {
          "kind": "truncated",
          "message": "openai-responses:replay-model truncated: the stream ended before response.completed",
          "retryable": true,
        },
        "events": [
          {
            "text": "This answer is cut ",
            "type": "text-delta",
          },
          {
            "text": "off mid-sent",
            "type": "text-delta",
          },
        ],
      }
    `);
  });
});

describe('anthropic fixtures', () => {
  it('text', async () => {
    expect(await mapPieces('anthropic', [fixtureBytes('anthropic', 'text')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "text": "Bonjour",
            "type": "text-delta",
          },
          {
            "text": "!",
            "type": "text-delta",
          },
          {
            "text": " Voilà",
            "type": "text-delta",
          },
          {
            "text": " le",
            "type": "text-delta",
          },
          {
            "text": " café",
            "type": "text-delta",
          },
          {
            "text": " ☕",
            "type": "text-delta",
          },
          {
            "text": " —",
            "type": "text-delta",
          },
          {
            "text": " 日本語",
            "type": "text-delta",
          },
          {
            "text": "も",
            "type": "text-delta",
          },
          {
            "text": " 話せます",
            "type": "text-delta",
          },
          {
            "text": " 🚀",
            "type": "text-delta",
          },
          {
            "text": ".",
            "type": "text-delta",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 0,
              "inputTokens": 25,
              "outputTokens": 23,
              "totalTokens": 48,
            },
          },
          {
            "finishReason": "stop",
            "rawFinishReason": "end_turn",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('tools', async () => {
    expect(await mapPieces('anthropic', [fixtureBytes('anthropic', 'tools')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "text": "I'll check both.",
            "type": "text-delta",
          },
          {
            "callId": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "name": "calculator",
            "type": "tool-call-start",
          },
          {
            "argumentsDelta": "{"expression": "(1",
            "callId": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "type": "tool-call-delta",
          },
          {
            "argumentsDelta": "7+25)*3"}",
            "callId": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "type": "tool-call-delta",
          },
          {
            "argumentsText": "{"expression": "(17+25)*3"}",
            "callId": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "name": "calculator",
            "type": "tool-call-ready",
          },
          {
            "callId": "toolu_01Vx8q2sKcPzW7nJb3mRfE5d",
            "name": "current_time",
            "type": "tool-call-start",
          },
          {
            "argumentsText": "",
            "callId": "toolu_01Vx8q2sKcPzW7nJb3mRfE5d",
            "name": "current_time",
            "type": "tool-call-ready",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 256,
              "inputTokens": 666,
              "outputTokens": 89,
              "totalTokens": 755,
            },
          },
          {
            "finishReason": "tool_calls",
            "rawFinishReason": "tool_use",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('reasoning', async () => {
    expect(await mapPieces('anthropic', [fixtureBytes('anthropic', 'reasoning')])).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "blockId": "reasoning-0",
            "type": "reasoning-start",
          },
          {
            "blockId": "reasoning-0",
            "redactedData": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pabJJ8fhh",
            "type": "reasoning-end",
          },
          {
            "blockId": "reasoning-1",
            "type": "reasoning-start",
          },
          {
            "blockId": "reasoning-1",
            "text": "Let me work out 27 × 453.",
            "type": "reasoning-delta",
          },
          {
            "blockId": "reasoning-1",
            "text": "

      27 × 453 = 12,231.",
            "type": "reasoning-delta",
          },
          {
            "blockId": "reasoning-1",
            "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+r9wQ5rnEa6dHy3hvZbE/wCrj0ZR3ORGOPzpJ0mFAvdHMflVrQn8jBfEzi+wyKWjDJQTYBAqqkBNa1Kq3wDzQP3aQGDUv8Tu5eYuWGhbx6g3ejm6uK5aPUYmQ4Tx49t0WLRkqfVjbc1sWZY/3B5FXkGTJZKHMa4DwEB1K4PEF+Gf1zOsz6EjVSFyZ7mEo/EbIuEKmqtlDr4Lhl5MvqVlWA==",
            "type": "reasoning-end",
          },
          {
            "text": "27 × 453 = ",
            "type": "text-delta",
          },
          {
            "text": "12,231.",
            "type": "text-delta",
          },
          {
            "type": "usage",
            "usage": {
              "cachedInputTokens": 0,
              "inputTokens": 25,
              "outputTokens": 120,
              "totalTokens": 145,
            },
          },
          {
            "finishReason": "stop",
            "rawFinishReason": "end_turn",
            "type": "finish",
          },
        ],
      }
    `);
  });
  it('error-mid-stream', async () => {
    expect(await mapPieces('anthropic', [fixtureBytes('anthropic', 'error-mid-stream')])).toMatchInlineSnapshot(`
      {
        "error": {
          "kind": "server",
          "message": "anthropic:replay-model server: overloaded_error: Overloaded",
          "retryable": true,
        },
        "events": [
          {
            "text": "Partial ans",
            "type": "text-delta",
          },
        ],
      }
    `);
  });
  it('truncated', async () => {
    expect(await mapPieces('anthropic', [fixtureBytes('anthropic', 'truncated')])).toMatchInlineSnapshot(`
      {
        "error": {
          "kind": "truncated",
          "message": "anthropic:replay-model truncated: the stream ended before message_stop",
          "retryable": true,
        },
        "events": [
          {
            "text": "This answer is cut ",
            "type": "text-delta",
          },
          {
            "text": "off mid-sent",
            "type": "text-delta",
          },
        ],
      }
    `);
  });
});
