/**
 * A recording stand-in for `@azure/functions-core`, the module the Azure Functions Node.js
 * worker injects into the app's process. `@azure/functions` looks it up lazily with
 * `require('@azure/functions-core')` on the first `app.http` / `app.timer` call; without it
 * the package is in "test mode" and registrations are dropped. Installing this recorder
 * first lets the local host and tests load the built entry point exactly as the real host
 * does and see every function it registers. Local tooling only, never deployed.
 */
import Module from 'node:module';
import { format } from 'node:util';

export const CORE_MODULE_ID = '@azure/functions-core';

/** One binding as `toCoreFunctionMetadata` emits it (trigger options plus type and direction). */
export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out';
  name?: string;
  /** httpTrigger */
  route?: string;
  methods?: string[];
  authLevel?: 'anonymous' | 'function' | 'admin';
  /** timerTrigger: NCRONTAB (6 fields) or a %SETTING% reference */
  schedule?: string;
  runOnStartup?: boolean;
  useMonitor?: boolean;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
}

export type FunctionHandler = (triggerInput: unknown, context: unknown) => unknown;

export interface Registration {
  name: string;
  metadata: FunctionMetadata;
  handler: FunctionHandler;
}

export interface RecordingCore {
  /** Every function registered in this process, in registration order. */
  registrations: Registration[];
  /**
   * The app called `app.setup({ enableHttpStream: true })`: HTTP responses are streamed to the
   * client as the handler produces them, instead of buffered whole (the host's default).
   */
  httpStream: boolean;
}

/** What @azure/functions logs through the core when an app turns HTTP streaming on. */
const HTTP_STREAM_ENABLED = 'HTTP streaming enabled.';

type CoreLogHandler = (level: string, category: string, message: string) => void;

interface InstalledState {
  recording: RecordingCore;
  api: Record<string, unknown>;
  systemLog: CoreLogHandler;
}

// One per process, like the worker's: @azure/functions caches the core module on first use,
// so a second recorder could never see anything.
const STATE = Symbol.for('resetready.dev.functionsCore');
type GlobalWithState = typeof globalThis & { [STATE]?: InstalledState };

/** Returns the first trigger binding of a registration (every function has exactly one). */
export function triggerOf(metadata: FunctionMetadata): BindingMetadata | undefined {
  return Object.values(metadata.bindings).find((b) => b.direction === 'in' && b.type.endsWith('Trigger'));
}

/**
 * Makes `require('@azure/functions-core')` return a recorder. Must run before anything calls
 * `app.*` from `@azure/functions`; idempotent (returns the same registry each time).
 * `systemLog` receives the library's own diagnostics (the worker forwards them to the host log).
 */
export function installRecordingCore(options: { systemLog?: CoreLogHandler } = {}): RecordingCore {
  const g = globalThis as GlobalWithState;
  const existing = g[STATE];
  if (existing) {
    if (options.systemLog) existing.systemLog = options.systemLog;
    return existing.recording;
  }

  const recording: RecordingCore = { registrations: [], httpStream: false };
  const state: InstalledState = {
    recording,
    systemLog:
      options.systemLog ??
      ((level, category, message) => {
        if (level === 'error' || level === 'warning')
          process.stderr.write(`[${category}] ${level}: ${message}\n`);
      }),
    api: {},
  };
  let programmingModel: unknown;
  state.api = {
    // The shape the library uses (see @azure/functions-core typings in the worker).
    registerFunction(metadata: FunctionMetadata, handler: FunctionHandler) {
      if (recording.registrations.some((r) => r.name === metadata.name)) {
        // The real worker rejects duplicates too; failing loudly beats one silently winning.
        throw new Error(`A function named "${metadata.name}" is already registered`);
      }
      recording.registrations.push({ name: metadata.name, metadata, handler });
      return { dispose: () => removeRegistration(recording, metadata.name) };
    },
    setProgrammingModel(model: unknown) {
      programmingModel = model;
    },
    getProgrammingModel() {
      return programmingModel;
    },
    registerHook() {
      // App hooks (app.hook.*) are not run by the local host; accept them so apps still load.
      return { dispose() {} };
    },
    log(level: string, category: string, ...args: unknown[]) {
      const message = format(...args);
      // The library's setup() has no other trace the worker could read: it logs this line.
      if (category === 'system' && message === HTTP_STREAM_ENABLED) recording.httpStream = true;
      state.systemLog(level, category, message);
    },
    Disposable: class {
      constructor(private readonly onDispose: () => void) {}
      dispose() {
        this.onDispose();
      }
    },
  };

  // Module._load is how the CommonJS loader answers every require(); intercepting the one id
  // the worker would provide leaves all other resolution untouched.
  const loader = Module as unknown as {
    _load: (request: string, parent: unknown, isMain: boolean) => unknown;
  };
  const originalLoad = loader._load;
  loader._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean) {
    if (request === CORE_MODULE_ID) return state.api;
    return originalLoad.call(this, request, parent, isMain);
  };

  g[STATE] = state;
  return recording;
}

function removeRegistration(recording: RecordingCore, name: string): void {
  const i = recording.registrations.findIndex((r) => r.name === name);
  if (i >= 0) recording.registrations.splice(i, 1);
}
