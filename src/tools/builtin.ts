import { calculatorTool } from './calculator.js';
import { currentTimeTool } from './current-time.js';
import type { Tool } from './tool.js';

export const builtinTools: Tool[] = [calculatorTool, currentTimeTool];
