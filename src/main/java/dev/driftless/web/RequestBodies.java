package dev.driftless.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.ByteBufferContentSource;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Receives every request body in full before the routes see it, without holding a thread while the bytes arrive.
 *
 * <p>The routes read bodies with blocking servlet I/O, and a blocked read holds one of the server's 32 threads: 60
 * clients that announce a body and trickle it took every thread, and health checks and webhooks waited behind them.
 * Here a body is read as its bytes arrive (Jetty calls back when there are more) and handed on only once complete.
 * Three limits bound what a slow or greedy client can hold ({@link HttpLimits}): the body size (413), the time
 * the body may take (408, connection closed), and the memory of all bodies being received at once (503): memory
 * is reserved as it is used, so a client that announces a large body but sends little holds little.
 */
final class RequestBodies extends Handler.Wrapper {

    /** How much of a too-large body is read and thrown away, so the client is sending no more when it gets the 413. */
    private static final int DRAIN_FACTOR = 16;
    private static final int FIRST_BUFFER = 8192;
    private static final byte[] NOTHING = new byte[0];

    private final HttpLimits limits;
    private final AtomicLong held = new AtomicLong();

    RequestBodies(HttpLimits limits) {
        this.limits = limits;
    }

    /** The message of a 413. */
    static String tooLarge(HttpLimits limits) {
        return "the body is larger than " + limits.maxBodyBytes() + " bytes";
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (request.getLength() == 0 || (request.getLength() < 0
                && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING))) {
            return super.handle(request, response, callback);
        }
        new Arrival(request, response, callback).start();
        return true;
    }

    private enum State { RECEIVING, DRAINING, DONE }

    /** One body on its way in; every step runs under its lock, none of them blocks. */
    private final class Arrival implements Invocable.Task {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private State state = State.RECEIVING;
        private byte[] bytes = NOTHING;
        private int size;
        private long drained;
        private Scheduler.Task deadline;

        Arrival(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        void start() {
            synchronized (this) {
                if (request.getLength() > limits.maxBodyBytes()) {
                    state = State.DRAINING;
                }
                deadline = request.getComponents().getScheduler().schedule(this::expire,
                        limits.bodyDeadline().toMillis(), TimeUnit.MILLISECONDS);
            }
            run();
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        /** Called when more of the body has arrived. */
        @Override
        public void run() {
            Runnable next = receive();
            if (next != null) {
                next.run();
            }
        }

        /** Takes what has arrived; returns what to do next (outside the lock), or null to wait for more. */
        private synchronized Runnable receive() {
            while (state != State.DONE) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return null;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    // the client went away or sent a malformed body: nothing to answer
                    finish();
                    return () -> callback.failed(chunk.getFailure());
                }
                boolean last = chunk.isLast();
                try {
                    ByteBuffer data = chunk.getByteBuffer();
                    if (state == State.RECEIVING && size + (long) data.remaining() > limits.maxBodyBytes()) {
                        drained = size;
                        free();
                        state = State.DRAINING;
                    }
                    if (state == State.DRAINING) {
                        drained += data.remaining();
                    } else if (!reserve(size + data.remaining())) {
                        finish();
                        return () -> answer(HttpStatus.SERVICE_UNAVAILABLE_503, "the agent is receiving too many"
                                + " request bodies at once (" + limits.bodyMemory() + " bytes); try again shortly");
                    } else {
                        int n = data.remaining();
                        data.get(bytes, size, n);
                        size += n;
                    }
                } finally {
                    chunk.release();
                }
                if (state == State.DRAINING && (last || drained > (long) DRAIN_FACTOR * limits.maxBodyBytes())) {
                    finish();
                    return () -> answer(HttpStatus.PAYLOAD_TOO_LARGE_413, tooLarge(limits));
                }
                if (last) {
                    return handOn();
                }
            }
            return null;
        }

        /** Grows the buffer to hold {@code needed} bytes, if the budget of all bodies allows. */
        private boolean reserve(int needed) {
            if (needed <= bytes.length) {
                return true;
            }
            int capacity = (int) Math.min(limits.maxBodyBytes(), Math.max(needed, Math.max(FIRST_BUFFER,
                    2L * bytes.length)));
            long more = capacity - bytes.length;
            if (held.addAndGet(more) > limits.bodyMemory()) {
                held.addAndGet(-more);
                return false;
            }
            byte[] grown = new byte[capacity];
            System.arraycopy(bytes, 0, grown, 0, size);
            bytes = grown;
            return true;
        }

        /** Hands the complete body on to the routes, on a thread that may block; frees it when they are done. */
        private Runnable handOn() {
            deadline.cancel();
            state = State.DONE;
            Request complete = new Complete(request, ByteBuffer.wrap(bytes, 0, size));
            Callback freeing = Callback.from(callback, this::free);
            return () -> request.getContext().execute(() -> {
                try {
                    if (!RequestBodies.super.handle(complete, response, freeing)) {
                        Response.writeError(complete, response, freeing, HttpStatus.NOT_FOUND_404);
                    }
                } catch (Throwable e) {
                    Response.writeError(complete, response, freeing, e);
                }
            });
        }

        private void expire() {
            Runnable answer;
            synchronized (this) {
                if (state == State.DONE) {
                    return;
                }
                answer = state == State.DRAINING
                        ? () -> answer(HttpStatus.PAYLOAD_TOO_LARGE_413, tooLarge(limits))
                        : () -> answer(HttpStatus.REQUEST_TIMEOUT_408, "the request body did not arrive within "
                                + limits.bodyDeadline().toSeconds() + " s; send it at once");
                finish();
            }
            answer.run();
        }

        private void finish() {
            deadline.cancel();
            state = State.DONE;
            free();
        }

        private synchronized void free() {
            held.addAndGet(-bytes.length);
            bytes = NOTHING;
        }

        /** An error answer in the API's JSON; the connection is closed, since the rest of the body is not read. */
        private void answer(int status, String message) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            response.write(true, ByteBuffer.wrap(Json.error(message).getBytes(StandardCharsets.UTF_8)), callback);
        }
    }

    /** The request as the routes see it: its body already in memory. */
    private static final class Complete extends Request.Wrapper {
        private final ByteBufferContentSource body;

        Complete(Request request, ByteBuffer body) {
            super(request);
            this.body = new ByteBufferContentSource(body);
        }

        @Override
        public Content.Chunk read() {
            return body.read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            body.demand(demandCallback);
        }
    }
}
