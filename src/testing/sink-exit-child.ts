import { jsonlFileSink } from '../capture/sinks/jsonl-file-sink.js';
import { serverSink } from '../capture/sinks/server-sink.js';

// Run by the sinks' tests as a child process: writes one event to each sink given and then simply ends,
// so the test sees that the sinks' timers let the process exit and that beforeExit flushed them.
const [serverUrl, filePath] = process.argv.slice(2);
const event = { timestamp: '2026-03-02T14:05:11Z', provider: 'openai', model: 'gpt-4.1', input_tokens: 10, output_tokens: 2 };
if (serverUrl) serverSink({ url: serverUrl, flushIntervalMs: 60_000 }).write(event);
if (filePath) jsonlFileSink(filePath).write(event);
