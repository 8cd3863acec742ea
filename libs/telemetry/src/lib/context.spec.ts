import { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import {
  createContextKey,
  ROOT_CONTEXT,
  type Context,
} from '@opentelemetry/api';
import { RequestContextManager } from './context.js';

const KEY = createContextKey('test');
const bound = ROOT_CONTEXT.setValue(KEY, 'bound');
const other = ROOT_CONTEXT.setValue(KEY, 'other');

function request(): IncomingMessage {
  return new IncomingMessage(new Socket());
}

function response(): ServerResponse {
  return new ServerResponse(request());
}

describe('RequestContextManager', () => {
  let manager: RequestContextManager;
  const seenIn = (): { value: unknown; listener: () => void } => {
    const seen = {
      value: undefined as unknown,
      listener: () => {
        seen.value = manager.active().getValue(KEY);
      },
    };
    return seen;
  };
  /** Emits from a different active context, as a socket callback would. */
  const emitFrom = (ctx: Context, ee: EventEmitter, event: string) =>
    manager.with(ctx, () => ee.emit(event));

  beforeEach(() => {
    manager = new RequestContextManager().enable();
  });
  afterEach(() => manager.disable());

  it.each([
    ['IncomingMessage', request],
    ['ServerResponse', response],
  ])('runs listeners added to a bound %s in the bound context', (_, make) => {
    const ee = make();
    expect(manager.bind(bound, ee)).toBe(ee);
    for (const add of ['on', 'addListener', 'prependListener'] as const) {
      const seen = seenIn();
      ee[add]('ping', seen.listener);
      emitFrom(other, ee, 'ping');
      expect(seen.value).toBe('bound');
      ee.removeListener('ping', seen.listener);
    }
    expect(ee.listenerCount('ping')).toBe(0);
  });

  it('binds without own methods on the instance: one symbol property', () => {
    const req = request();
    const before = Object.getOwnPropertyNames(req);
    manager.bind(bound, req);
    expect(Object.getOwnPropertyNames(req)).toEqual(before);
    expect(Object.getOwnPropertySymbols(req).length).toBeGreaterThan(0);
  });

  it('keeps the first binding, as the stock manager does', () => {
    const req = request();
    manager.bind(bound, req);
    manager.bind(other, req);
    const seen = seenIn();
    req.on('ping', seen.listener);
    emitFrom(ROOT_CONTEXT, req, 'ping');
    expect(seen.value).toBe('bound');
  });

  it('runs a once-listener once, in the bound context, and lets it be removed by its original', () => {
    const res = response();
    manager.bind(bound, res);
    const seen = seenIn();
    let calls = 0;
    res.once('ping', () => {
      calls += 1;
      seen.listener();
    });
    emitFrom(other, res, 'ping');
    emitFrom(other, res, 'ping');
    expect(calls).toBe(1);
    expect(seen.value).toBe('bound');

    const never = jest.fn();
    res.prependOnceListener('ping', never);
    res.off('ping', never);
    res.emit('ping');
    expect(never).not.toHaveBeenCalled();
    expect(res.listenerCount('ping')).toBe(0);
  });

  it('removes the same listener added twice one registration at a time', () => {
    const req = request();
    manager.bind(bound, req);
    const listener = jest.fn();
    req.on('ping', listener);
    req.on('ping', listener);
    req.removeListener('ping', listener);
    req.emit('ping');
    expect(listener).toHaveBeenCalledTimes(1);
    req.removeListener('ping', listener);
    expect(req.listenerCount('ping')).toBe(0);
  });

  it('forgets wrappers on removeAllListeners, for one event or all', () => {
    const req = request();
    manager.bind(bound, req);
    const a = jest.fn();
    const b = jest.fn();
    req.on('a', a);
    req.on('b', b);
    req.removeAllListeners('a');
    expect(req.listenerCount('a')).toBe(0);
    expect(req.listenerCount('b')).toBe(1);
    req.removeAllListeners();
    req.emit('b');
    expect(b).not.toHaveBeenCalled();
    // a later add/remove still pairs up
    req.on('a', a);
    req.off('a', a);
    expect(req.listenerCount('a')).toBe(0);
  });

  it('leaves unbound requests and responses alone', () => {
    const req = request();
    const listener = () => undefined;
    req.on('ping', listener);
    expect(req.listeners('ping')).toEqual([listener]);
    const seen = seenIn();
    req.on('pong', seen.listener);
    emitFrom(other, req, 'pong');
    expect(seen.value).toBe('other');
  });

  it('binds other emitters and functions the stock way', () => {
    const ee = new EventEmitter();
    manager.bind(bound, ee);
    const seen = seenIn();
    ee.on('ping', seen.listener);
    emitFrom(other, ee, 'ping');
    expect(seen.value).toBe('bound');

    const fn = manager.bind(bound, () => manager.active().getValue(KEY));
    expect(manager.with(other, fn)).toBe('bound');
  });

  it('takes its prototype methods back on disable()', () => {
    expect(Object.hasOwn(IncomingMessage.prototype, 'on')).toBe(true);
    expect(Object.hasOwn(ServerResponse.prototype, 'removeListener')).toBe(
      true,
    );
    manager.disable();
    expect(Object.hasOwn(IncomingMessage.prototype, 'on')).toBe(false);
    expect(Object.hasOwn(ServerResponse.prototype, 'removeListener')).toBe(
      false,
    );
    // a disabled manager binds requests the stock way again
    const req = request();
    manager.bind(bound, req);
    expect(Object.hasOwn(req, 'on')).toBe(true);
  });

  it('keeps the prototype methods while another manager is still enabled', () => {
    const second = new RequestContextManager().enable();
    second.disable();
    expect(Object.hasOwn(IncomingMessage.prototype, 'on')).toBe(true);
  });
});
