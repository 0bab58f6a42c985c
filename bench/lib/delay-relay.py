#!/usr/bin/env python3
"""A loopback TCP relay that delays every byte by a fixed time in each direction (bench/ssh-run.sh).

This kernel has no netem, so a WAN-like round trip is made here: each chunk read from one side is
written to the other DELAY_MS later, chunks in order and without waiting for the previous one's delay,
so latency is added but throughput is not capped (a round trip costs 2 x DELAY_MS).

    delay-relay.py DELAY_MS TARGET_PORT...

listens on one free 127.0.0.1 port per target, prints "relay TARGET_PORT LISTEN_PORT" for each, then
"ready", and relays until killed (SIGTERM or SIGINT).
"""
import asyncio
import signal
import socket
import sys


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def delayed(reader, writer, delay):
    """Copies reader to writer, each chunk `delay` seconds after it arrived; EOF is passed on likewise."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def take():
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                return

    async def give():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # the delay itself, not a synchronisation
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(take(), give())


async def serve(target, delay):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        nodelay(client_writer)
        nodelay(server_writer)
        try:
            await asyncio.gather(delayed(client_reader, server_writer, delay),
                                 delayed(server_reader, client_writer, delay))
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass  # one side reset (drop both, as a network path would), or the relay is stopping
        finally:
            client_writer.close()
            server_writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def main():
    delay = int(sys.argv[1]) / 1000.0
    targets = [int(p) for p in sys.argv[2:]]
    if not targets:
        sys.exit("usage: delay-relay.py DELAY_MS TARGET_PORT...")
    servers = []
    for target in targets:
        server = await serve(target, delay)
        servers.append(server)
        print("relay %d %d" % (target, server.sockets[0].getsockname()[1]), flush=True)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
