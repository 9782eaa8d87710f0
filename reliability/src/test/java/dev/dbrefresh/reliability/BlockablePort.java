package dev.dbrefresh.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP port in front of a server of this JVM, that a test can take away for a while: how the reliability suite
 * makes ElasticMQ unreachable without losing its queues. A real SQS outage is an endpoint that does not answer
 * while the messages stay in the queues; ElasticMQ keeps its queues in memory, so stopping it would lose them (which
 * SQS never does). While {@link #block() blocked}, every open connection is reset and the port is closed
 * (connection refused), as a stopped server's would be; {@link #unblock()} listens on the same port again.
 *
 * <p>Bytes are copied both ways by two threads per connection; meant for test traffic.
 */
final class BlockablePort implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private volatile boolean closed;

    /**
     * @param targetPort the port of the server on 127.0.0.1 to forward to
     * @throws IOException when no free port can be bound
     */
    BlockablePort(int targetPort) throws IOException {
        this.targetPort = targetPort;
        ServerSocket s = bind(0);
        this.port = s.getLocalPort();
        listen(s);
    }

    /** @return the port clients use, on 127.0.0.1 */
    int port() {
        return port;
    }

    /** @return {@code http://127.0.0.1:<port>} */
    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Resets every connection and closes the port until {@link #unblock()}. */
    synchronized void block() throws IOException {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            s.close();
        }
        for (Socket socket : open) {
            reset(socket);
        }
        open.clear();
    }

    /**
     * Listens on the same port again.
     *
     * @throws IOException when the port cannot be bound again
     */
    synchronized void unblock() throws IOException {
        if (server == null && !closed) {
            listen(bind(port));
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
    }

    private void listen(ServerSocket s) {
        server = s;
        Thread acceptor = new Thread(() -> {
            while (!s.isClosed()) {
                Socket client;
                try {
                    client = s.accept();
                } catch (IOException blockedOrClosed) {
                    continue;
                }
                try {
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    open.add(client);
                    open.add(upstream);
                    pipe(client, upstream);
                    pipe(upstream, client);
                } catch (IOException refused) {
                    reset(client);
                }
            }
        }, "blockable-port-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0;) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException reset) {
                // one side went away
            } finally {
                reset(from);
                reset(to);
                open.remove(from);
                open.remove(to);
            }
        }, "blockable-port-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        block();
    }
}
