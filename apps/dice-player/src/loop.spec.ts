import { abortableSleep, runLoop } from './loop';

/** A clock that only moves when the loop sleeps or a round takes time: deterministic pacing tests. */
function fakeTime() {
  let now = 0;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('runLoop', () => {
  it('starts rounds on a fixed grid of 1/rate and stops when the duration is over', async () => {
    const time = fakeTime();
    const starts: number[] = [];
    const result = await runLoop({
      ratePerSecond: 2,
      durationMs: 3000,
      signal: new AbortController().signal,
      now: time.now,
      sleep: time.sleep,
      playRound: async () => {
        starts.push(time.now());
        time.advance(30); // the round's own duration does not shift the grid
      },
    });
    expect(starts).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(result).toEqual({ rounds: 6, stoppedBy: 'duration' });
  });

  it('passes the round number to each round', async () => {
    const time = fakeTime();
    const rounds: number[] = [];
    await runLoop({
      ratePerSecond: 10,
      durationMs: 300,
      signal: new AbortController().signal,
      now: time.now,
      sleep: time.sleep,
      playRound: async (round) => {
        rounds.push(round);
      },
    });
    expect(rounds).toEqual([1, 2, 3]);
  });

  it('plays back to back when rounds overrun their slot, without bursting to catch up', async () => {
    const time = fakeTime();
    const starts: number[] = [];
    let inFlight = 0;
    await runLoop({
      ratePerSecond: 10,
      durationMs: 1000,
      signal: new AbortController().signal,
      now: time.now,
      sleep: time.sleep,
      playRound: async () => {
        expect(++inFlight).toBe(1);
        starts.push(time.now());
        time.advance(250);
        inFlight -= 1;
      },
    });
    expect(starts).toEqual([0, 250, 500, 750]);
  });

  it('does not wait past the end of the duration', async () => {
    const time = fakeTime();
    const result = await runLoop({
      ratePerSecond: 1,
      durationMs: 1500,
      signal: new AbortController().signal,
      now: time.now,
      sleep: time.sleep,
      playRound: async () => undefined,
    });
    expect(result).toEqual({ rounds: 2, stoppedBy: 'duration' });
    expect(time.now()).toBe(1500);
  });

  it('finishes the round in flight when stopped, then starts no other', async () => {
    const time = fakeTime();
    const stop = new AbortController();
    const finished: number[] = [];
    const result = await runLoop({
      ratePerSecond: 5,
      durationMs: 0,
      signal: stop.signal,
      now: time.now,
      sleep: time.sleep,
      playRound: async (round) => {
        if (round === 3) stop.abort(); // the signal arrives mid-round...
        await Promise.resolve();
        finished.push(round); // ...and the round still completes
      },
    });
    expect(finished).toEqual([1, 2, 3]);
    expect(result).toEqual({ rounds: 3, stoppedBy: 'signal' });
  });

  it('stops at once while waiting for the next slot (real timers)', async () => {
    const stop = new AbortController();
    const startedAt = performance.now();
    const looping = runLoop({
      ratePerSecond: 0.001, // next round in 1000 s
      durationMs: 0,
      signal: stop.signal,
      playRound: async () => {
        setTimeout(() => stop.abort(), 20);
      },
    });
    await expect(looping).resolves.toEqual({ rounds: 1, stoppedBy: 'signal' });
    expect(performance.now() - startedAt).toBeLessThan(5_000);
  });
});

describe('abortableSleep', () => {
  it('resolves (does not reject) when aborted', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });

  it('waits the given time otherwise', async () => {
    const startedAt = performance.now();
    await abortableSleep(30, new AbortController().signal);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(25);
  });
});
