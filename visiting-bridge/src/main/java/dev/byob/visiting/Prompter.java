package dev.byob.visiting;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Asks the person at the terminal for a secret. */
@FunctionalInterface
public interface Prompter {

    /** Asks {@code question}; the answer, or {@code null} at end of input. */
    String secret(String question);

    /** The console without echo; without a console, one line of standard input per question. */
    static Prompter console() {
        BufferedReader[] stdin = new BufferedReader[1];
        return question -> {
            Console console = System.console();
            if (console != null) {
                char[] answer = console.readPassword("%s: ", question);
                return answer == null ? null : new String(answer);
            }
            try {
                if (stdin[0] == null) {
                    stdin[0] = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                }
                System.err.print(question + ": ");
                System.err.flush();
                return stdin[0].readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
