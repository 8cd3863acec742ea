import { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * The AsyncLocalStorage context manager, with a cheaper `bind` for the two objects every server
 * request binds: its `IncomingMessage` and `ServerResponse`.
 *
 * Why: the HTTP instrumentation calls `context.bind(ctx, req)` and `context.bind(ctx, res)` on every
 * request, so listeners the app adds later (`req.on('end')`, `res.on('finish')`) run in the
 * request's context. The stock manager does that by writing eight own wrapper methods (`on`,
 * `addListener`, `once`, … `removeAllListeners`) onto each instance: 16 closures and 16 property
 * definitions per request, and objects whose changed shape makes Express's own per-request code
 * (`Object.setPrototypeOf(req, app.request)`, header helpers) measurably slower: the A/B in
 * docs/benchmarks.md keeps it for what that costs.
 *
 * Here those wrapper methods are defined once, on `IncomingMessage.prototype` and
 * `ServerResponse.prototype`, and a bound instance only carries one symbol property naming its
 * context. The behaviour is the stock manager's: a listener added to a bound instance is wrapped
 * to run in the bound context; `removeListener`/`off` with the original listener remove the
 * wrapper; `once` is wrapped once, not twice; `removeAllListeners` forgets the wrappers. Unbound
 * instances pass straight through. Every other EventEmitter (client requests, sockets) and every
 * function is bound by the stock implementation. `disable()` removes the prototype methods again.
 */
export class RequestContextManager extends AsyncLocalStorageContextManager {
  private installed = false;

  override bind<T>(context: Context, target: T): T {
    if (
      this.installed &&
      (target instanceof IncomingMessage || target instanceof ServerResponse)
    ) {
      // Like the stock manager, the first bind wins.
      (target as Bindable)[kBinding] ??= { manager: this, context };
      return target;
    }
    return super.bind(context, target);
  }

  override enable(): this {
    if (!this.installed) {
      installPrototypeListeners();
      this.installed = true;
    }
    return super.enable();
  }

  override disable(): this {
    if (this.installed) {
      uninstallPrototypeListeners();
      this.installed = false;
    }
    return super.disable();
  }
}

interface Binding {
  manager: AsyncLocalStorageContextManager;
  context: Context;
}

type Listener = (...args: unknown[]) => unknown;
type EventKey = string | symbol;

/** A listener added to a bound instance and the wrapper registered in its place. */
interface Wrapped {
  readonly event: EventKey;
  readonly listener: Listener;
  readonly wrapper: Listener;
}

interface Bindable {
  [kBinding]?: Binding;
  // A plain array owned by the instance: a request has a handful of listeners, and a WeakMap per
  // event (what the stock manager keeps) is an ephemeron table the garbage collector pays for.
  [kWrapped]?: Wrapped[];
}

const kBinding = Symbol('otel-dice.context.binding');
const kWrapped = Symbol('otel-dice.context.wrapped');

const ADD_METHODS = [
  'addListener',
  'on',
  'once',
  'prependListener',
  'prependOnceListener',
] as const;
const REMOVE_METHODS = ['removeListener', 'off'] as const;

const PROTOTYPES: readonly object[] = [
  IncomingMessage.prototype,
  ServerResponse.prototype,
];

/** Prototype methods we defined, so uninstall removes exactly those. Counted: managers may nest. */
const ours = new Map<object, Map<string, unknown>>();
let installs = 0;

/**
 * `once` is implemented by EventEmitter as `this.on(event, onceWrapper)`: while one of our add
 * methods runs, a nested add must not wrap the already wrapped listener again (that would also
 * break `removeListener` of a once-listener). Listeners are added synchronously, so a flag does.
 */
let adding = false;

function installPrototypeListeners(): void {
  installs += 1;
  if (installs > 1) return;
  for (const proto of PROTOTYPES) {
    const target = proto as Record<string, unknown>;
    const defined = new Map<string, unknown>();
    for (const name of ADD_METHODS)
      defined.set(name, addListenerMethod(target[name] as AddMethod));
    for (const name of REMOVE_METHODS)
      defined.set(name, removeListenerMethod(target[name] as RemoveMethod));
    defined.set(
      'removeAllListeners',
      removeAllListenersMethod(target['removeAllListeners'] as RemoveAllMethod),
    );
    for (const [name, method] of defined) {
      Object.defineProperty(proto, name, {
        value: method,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
    ours.set(proto, defined);
  }
}

function uninstallPrototypeListeners(): void {
  if (installs === 0) return;
  installs -= 1;
  if (installs > 0) return;
  for (const [proto, defined] of ours) {
    const target = proto as Record<string, unknown>;
    for (const [name, method] of defined) {
      // Only take back what is still ours: someone may have patched on top since.
      if (
        Object.prototype.hasOwnProperty.call(proto, name) &&
        target[name] === method
      )
        delete target[name];
    }
  }
  ours.clear();
}

type AddMethod = (
  this: Bindable,
  event: EventKey,
  listener: Listener,
) => unknown;
type RemoveMethod = AddMethod;
type RemoveAllMethod = (this: Bindable, ...event: EventKey[]) => unknown;

function addListenerMethod(original: AddMethod): AddMethod {
  return function (this: Bindable, event, listener) {
    const binding = this[kBinding];
    if (binding === undefined || adding || typeof listener !== 'function')
      return original.call(this, event, listener);
    const wrapper = bindListener(binding, listener);
    (this[kWrapped] ??= []).push({ event, listener, wrapper });
    adding = true;
    try {
      return original.call(this, event, wrapper);
    } finally {
      adding = false;
    }
  };
}

function bindListener(
  { manager, context }: Binding,
  listener: Listener,
): Listener {
  return function (this: unknown, ...args: unknown[]) {
    return manager.with(context, listener, this, ...args);
  };
}

function removeListenerMethod(original: RemoveMethod): RemoveMethod {
  return function (this: Bindable, event, listener) {
    const wrapped = this[kWrapped];
    if (wrapped !== undefined) {
      // The latest registration first, as EventEmitter removes the most recently added match.
      for (let i = wrapped.length - 1; i >= 0; i--) {
        const entry = wrapped[i];
        if (entry.event === event && entry.listener === listener) {
          wrapped.splice(i, 1);
          return original.call(this, event, entry.wrapper);
        }
      }
    }
    return original.call(this, event, listener);
  };
}

function removeAllListenersMethod(original: RemoveAllMethod): RemoveAllMethod {
  return function (this: Bindable, ...args) {
    const wrapped = this[kWrapped];
    if (wrapped !== undefined) {
      if (args.length === 0) wrapped.length = 0;
      else this[kWrapped] = wrapped.filter((entry) => entry.event !== args[0]);
    }
    return original.apply(this, args);
  };
}
