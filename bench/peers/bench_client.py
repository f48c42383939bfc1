#!/usr/bin/python3
"""A benchmark client on Python grpcio (asyncio API), started by bench/run.js for one measurement.

It runs the same workloads as bench/node-client.js, with the same configuration fields and the same syncs:
window-start and window-end around the measured window of a throughput workload, baseline and loaded around the
memory workloads.
"""

import asyncio
import gc
import math
import os
import time

import grpc

from bench_common import (PING_PONG_PATH, STREAM_PATH, UNARY_PATH, UNBOUNDED_COUNT, TokenPlugin, channel_credentials, emit,
                          encode_stream_request, read_config, sync)

# Channels that must each open their own connection (see bench/node-client.js).
OWN_CONNECTION_OPTIONS = (('grpc.use_local_subchannel_pool', 1),)
MEMORY_SETUP_TIMEOUT_S = 120


def make_channel_factory(config, options=()):
    credentials = channel_credentials(config['security'])
    target = config['target']
    if credentials is None:
        return lambda: grpc.aio.insecure_channel(target, options=options)
    return lambda: grpc.aio.secure_channel(target, credentials, options=options)


def quantile(sorted_values, fraction):
    """Nearest-rank quantile of an already sorted list, as in bench/lib/stats.js."""
    rank = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


class Load:
    """Counters of a closed-loop load, with the life cycle of bench/lib/loads.js."""

    def __init__(self):
        self.recording = False
        self.stopping = False
        self.count = 0
        self.bytes = 0
        self.latencies_ns = []
        self.credential_latencies_ns = []
        self.plain_latencies_ns = []
        self.failure = None
        self.issued = 0

    def begin_window(self):
        self.count = 0
        self.bytes = 0
        self.latencies_ns = []
        self.credential_latencies_ns = []
        self.plain_latencies_ns = []
        self.recording = True

    def end_window(self):
        self.recording = False
        return self.count, self.bytes, self.latencies_ns

    def record(self, start_ns, size, with_credential=False):
        if not self.recording:
            return
        self.count += 1
        self.bytes += size
        if start_ns is not None:
            latency = time.perf_counter_ns() - start_ns
            self.latencies_ns.append(latency)
            (self.credential_latencies_ns if with_credential else self.plain_latencies_ns).append(latency)

    def fail(self, error):
        if self.failure is None and not self.stopping:
            self.failure = error

    def raise_if_failed(self):
        if self.failure is not None:
            raise RuntimeError('a call failed during the load: %r' % (self.failure,))


async def unary_loop(load, channel, payload, call_credentials=None):
    """Send unary calls back to back; with call_credentials, every other call carries them."""
    unary = channel.unary_unary(UNARY_PATH)
    while not load.stopping and load.failure is None:
        with_credential = call_credentials is not None and load.issued % 2 == 0
        load.issued += 1
        start_ns = time.perf_counter_ns()
        try:
            if with_credential:
                response = await unary(payload, credentials=call_credentials)
            else:
                response = await unary(payload)
        except grpc.RpcError as error:
            load.fail(error)
            return
        load.record(start_ns, len(response), with_credential)


async def handshake_loop(load, make_channel, payload):
    while not load.stopping and load.failure is None:
        start_ns = time.perf_counter_ns()
        channel = make_channel()
        try:
            response = await channel.unary_unary(UNARY_PATH)(payload)
        except grpc.RpcError as error:
            load.fail(error)
            return
        finally:
            await channel.close()
        load.record(start_ns, len(response))


async def stream_reader(load, call):
    try:
        async for message in call:
            load.record(None, len(message))
    except grpc.RpcError as error:
        load.fail(error)
    except asyncio.CancelledError:
        pass


async def ping_pong_loop(load, channel, payload):
    call = channel.stream_stream(PING_PONG_PATH)()
    try:
        while not load.stopping and load.failure is None:
            start_ns = time.perf_counter_ns()
            await call.write(payload)
            message = await call.read()
            load.record(start_ns, len(message))
        await call.done_writing()
        await call.code()
    except grpc.RpcError as error:
        load.fail(error)


async def run_throughput(config):
    load = Load()
    payload = b'b' * config['messageSize']
    concurrency = config['concurrency']
    workload = config['workload']
    channels = []
    if workload == 'handshake':
        make_channel = make_channel_factory(config, OWN_CONNECTION_OPTIONS)
        tasks = [asyncio.create_task(handshake_loop(load, make_channel, payload)) for _ in range(concurrency)]
    else:
        channels.append(make_channel_factory(config)())
        channel = channels[0]
        if workload == 'unary':
            call_credentials = None
            if config.get('callCredential'):
                plugin = TokenPlugin(config['token']['key'], config['token']['value'])
                call_credentials = grpc.metadata_call_credentials(plugin)
            tasks = [asyncio.create_task(unary_loop(load, channel, payload, call_credentials))
                     for _ in range(concurrency)]
        elif workload == 'server-stream':
            request = encode_stream_request(config['messageSize'], UNBOUNDED_COUNT, False)
            calls = [channel.unary_stream(STREAM_PATH)(request) for _ in range(concurrency)]
            tasks = [asyncio.create_task(stream_reader(load, call)) for call in calls]
        elif workload == 'ping-pong':
            tasks = [asyncio.create_task(ping_pong_loop(load, channel, payload)) for _ in range(concurrency)]
        else:
            raise SystemExit('unknown workload %r' % workload)

    await asyncio.sleep(config['warmupSeconds'])
    load.raise_if_failed()
    await sync('window-start')
    load.begin_window()
    start_ns = time.perf_counter_ns()
    await asyncio.sleep(config['durationSeconds'])
    count, size, latencies = load.end_window()
    elapsed = (time.perf_counter_ns() - start_ns) / 1e9
    await sync('window-end')

    load.stopping = True
    if workload == 'server-stream':
        for call in calls:
            call.cancel()
    await asyncio.wait_for(asyncio.gather(*tasks), 30)
    load.raise_if_failed()
    for channel in channels:
        await channel.close()

    result = {'elapsedSeconds': elapsed, 'count': count, 'bytes': size, **summarize_latencies(latencies)}
    if config.get('callCredential'):
        with_credential = -(-load.issued // 2)
        if plugin.invocations < with_credential:
            raise RuntimeError("the call credential's plugin ran %d times for %d calls"
                               % (plugin.invocations, with_credential))
        with_summary = summarize_latencies(load.credential_latencies_ns)
        without_summary = summarize_latencies(load.plain_latencies_ns)
        if with_summary['meanUs'] is not None and without_summary['meanUs'] is not None:
            result['callCredentialAddedMeanUs'] = with_summary['meanUs'] - without_summary['meanUs']
            result['callCredentialAddedP50Us'] = with_summary['p50Us'] - without_summary['p50Us']
    return result


def summarize_latencies(latencies_ns):
    """Return p50, p99 and mean in microseconds, as bench/lib/stats.js does."""
    if not latencies_ns:
        return {'p50Us': None, 'p99Us': None, 'meanUs': None}
    ordered = sorted(latencies_ns)
    return {'p50Us': quantile(ordered, 0.5) / 1000, 'p99Us': quantile(ordered, 0.99) / 1000,
            'meanUs': sum(ordered) / len(ordered) / 1000}


async def collect_garbage():
    for _ in range(3):
        gc.collect()
        await asyncio.sleep(0.1)


async def run_idle_channels(config):
    payload = b'b' * config['messageSize']
    warm_channel = make_channel_factory(config)()
    await warm_channel.unary_unary(UNARY_PATH)(payload)
    await collect_garbage()
    await sync('baseline')

    make_channel = make_channel_factory(config, OWN_CONNECTION_OPTIONS)
    channels = [make_channel() for _ in range(config['channels'])]
    await asyncio.wait_for(asyncio.gather(*(channel.channel_ready() for channel in channels)), MEMORY_SETUP_TIMEOUT_S)
    await collect_garbage()
    await sync('loaded')

    for channel in channels:
        await channel.close()
    await warm_channel.close()
    return {'channels': config['channels']}


async def run_open_streams(config):
    payload = b'b' * config['messageSize']
    channel = make_channel_factory(config)()
    await channel.unary_unary(UNARY_PATH)(payload)
    await collect_garbage()
    await sync('baseline')

    request = encode_stream_request(config['messageSize'], 1, True)
    stream = channel.unary_stream(STREAM_PATH)
    calls = [stream(request) for _ in range(config['streams'])]
    await asyncio.wait_for(asyncio.gather(*(call.read() for call in calls)), MEMORY_SETUP_TIMEOUT_S)
    await collect_garbage()
    await sync('loaded')

    for call in calls:
        call.cancel()
    await channel.close()
    return {'streams': config['streams']}


async def main(config):
    workload = config['workload']
    if workload == 'idle-channels':
        result = await run_idle_channels(config)
    elif workload == 'open-streams':
        result = await run_open_streams(config)
    else:
        result = await run_throughput(config)
    emit('result', **result)
    # The measurement is over. Closing the event loop can take minutes after thousands of cancelled grpcio calls,
    # so the process ends here without that.
    os._exit(0)


if __name__ == '__main__':
    asyncio.run(main(read_config(['workload', 'target', 'security', 'messageSize'])))
