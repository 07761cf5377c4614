package dev.byob.kit.irc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A scripted IRC server on 127.0.0.1 for transport tests: accepts clients and lets a test read and write their lines. */
final class FakeIrcServer implements AutoCloseable {
    private static final String CLOSED = "\0closed";

    private final ServerSocket server;
    private final BlockingQueue<Client> accepted = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    FakeIrcServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "fake-irc-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next client to connect. */
    Client accept(Duration timeout) throws InterruptedException {
        Client client = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (client == null) {
            throw new AssertionError("no client connected within " + timeout);
        }
        return client;
    }

    private void acceptLoop() {
        try {
            while (!server.isClosed()) {
                accepted.add(new Client(server.accept()));
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** One connected client. */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Client(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            Thread reader = new Thread(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // closed
                }
                lines.add(CLOSED);
            }, "fake-irc-client");
            reader.setDaemon(true);
            reader.start();
        }

        /** The next line from the client; fails if it closed or sent nothing in time. */
        String line() throws InterruptedException {
            String line = lines.poll(5, TimeUnit.SECONDS);
            if (line == null || line.equals(CLOSED)) {
                throw new AssertionError(line == null ? "no line from the client within 5 s" : "the client closed the connection");
            }
            return line;
        }

        /** Skips lines until one starts with {@code prefix}; returns it. */
        String lineStartingWith(String prefix) throws InterruptedException {
            while (true) {
                String line = line();
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        /** Waits until the client closes the connection. */
        void awaitClosed() throws InterruptedException {
            while (true) {
                String line = lines.poll(5, TimeUnit.SECONDS);
                if (line == null) {
                    throw new AssertionError("the client did not close the connection within 5 s");
                }
                if (line.equals(CLOSED)) {
                    return;
                }
            }
        }

        void send(String line) {
            try {
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Answers registration without capabilities: empty CAP LS, then 001 after CAP END. */
        void register(String nick) throws InterruptedException {
            lineStartingWith("USER ");
            send(":irc.test CAP * LS :");
            lineStartingWith("CAP END");
            send(":irc.test 001 " + nick + " :Welcome to the fake network");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
