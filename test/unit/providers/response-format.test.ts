import { describe, expect, it } from 'vitest';
import { AnthropicMessagesModel } from '../../../src/providers/anthropic-messages.js';
import type { ModelRequest } from '../../../src/providers/language-model.js';
import { OpenAIChatModel } from '../../../src/providers/openai-chat.js';
import { OpenAIResponsesModel } from '../../../src/providers/openai-responses.js';

/** Structured output, one request, three wire formats: the JSON each adapter sends. */
const request: ModelRequest = {
  instructions: 'Report the weather.',
  messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  tools: [],
  responseFormat: {
    type: 'json_schema',
    name: 'weather',
    description: 'A weather report',
    schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    strict: true,
  },
};
const settings = { baseURL: 'http://127.0.0.1:1/v1', apiKey: 'sk-test' };

describe('structured output on the wire', () => {
  it('Chat Completions: response_format json_schema', () => {
    const body = new OpenAIChatModel({ ...settings, modelId: 'gpt-test' }).requestBody(request);
    expect(body).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Report the weather.",
            "role": "system",
          },
          {
            "content": "Weather in Oslo?",
            "role": "user",
          },
        ],
        "model": "gpt-test",
        "response_format": {
          "json_schema": {
            "description": "A weather report",
            "name": "weather",
            "schema": {
              "additionalProperties": false,
              "properties": {
                "city": {
                  "type": "string",
                },
              },
              "required": [
                "city",
              ],
              "type": "object",
            },
            "strict": true,
          },
          "type": "json_schema",
        },
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
      }
    `);
  });

  it('Responses: text.format json_schema, flat', () => {
    const body = new OpenAIResponsesModel({ ...settings, modelId: 'gpt-4.1' }).requestBody(request);
    expect(body).toMatchInlineSnapshot(`
      {
        "input": [
          {
            "content": "Weather in Oslo?",
            "role": "user",
          },
        ],
        "instructions": "Report the weather.",
        "model": "gpt-4.1",
        "store": false,
        "stream": true,
        "text": {
          "format": {
            "description": "A weather report",
            "name": "weather",
            "schema": {
              "additionalProperties": false,
              "properties": {
                "city": {
                  "type": "string",
                },
              },
              "required": [
                "city",
              ],
              "type": "object",
            },
            "strict": true,
            "type": "json_schema",
          },
        },
      }
    `);
  });

  it('Anthropic Messages: no format field; the schema is asked for at the end of the system prompt', () => {
    const { body } = new AnthropicMessagesModel({ ...settings, modelId: 'claude-sonnet-4-5' }).requestBody(request);
    expect(body).toMatchInlineSnapshot(`
      {
        "max_tokens": 8192,
        "messages": [
          {
            "content": [
              {
                "text": "Weather in Oslo?",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5",
        "stream": true,
        "system": "Report the weather.

      When you give your final answer (rather than calling a tool), reply with only a JSON object named "weather" that matches the JSON Schema below: no prose before or after it, no markdown code fence.
      What it is for: A weather report
      {"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}",
      }
    `);
  });

  it('without a response format, no adapter sends one', () => {
    const plain = { ...request, responseFormat: undefined };
    expect(new OpenAIChatModel({ ...settings, modelId: 'gpt-test' }).requestBody(plain)).not.toHaveProperty('response_format');
    expect(new OpenAIResponsesModel({ ...settings, modelId: 'gpt-4.1' }).requestBody(plain)).not.toHaveProperty('text');
    expect(new AnthropicMessagesModel({ ...settings, modelId: 'claude-sonnet-4-5' }).requestBody(plain).body.system).toBe('Report the weather.');
  });
});
