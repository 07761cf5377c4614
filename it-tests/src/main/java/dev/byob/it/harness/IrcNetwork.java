package dev.byob.it.harness;

import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcUserClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A real IRC network with NickServ accounts and SASL: started by the harness or already running. */
public interface IrcNetwork {
    /** How long a NickServ registration may take. */
    Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(30);

    /** The host clients connect to. */
    String host();

    /** The plain-text client port. */
    int port();

    /** The network's log files, for failure messages; none for a network the harness did not start. */
    List<Path> logs();

    /** A client builder for this network with {@code nick}; finish with {@code .connect()}. */
    default IrcUserClient.Builder user(String nick) {
        return IrcUserClient.builder(host(), port()).nick(nick);
    }

    /**
     * Registers a NickServ account the way a person does: connects as {@code account}, sends
     * {@code REGISTER}, waits for NickServ's confirmation, and quits.
     */
    default IrcAccount registerAccount(String account, String password) {
        try (IrcUserClient client = user(account).connect()) {
            client.privmsg("NickServ", "REGISTER " + password + " " + account + "@example.invalid");
            IrcMessage answer = client.await("NickServ's answer to REGISTER " + account,
                    m -> m.is("NOTICE") && "NickServ".equalsIgnoreCase(m.nick()), REGISTRATION_TIMEOUT);
            if (!answer.trailing().contains("is now registered")) {
                throw new AssertionError("NickServ did not register " + account + ": " + answer);
            }
        }
        return new IrcAccount(account, password);
    }

    /** Registers a NickServ account with a unique name starting with {@code nameHint}. */
    default IrcAccount newAccount(String nameHint) {
        return registerAccount(Names.unique(nameHint), Names.password());
    }

    /**
     * A services account.
     *
     * @param name the account name (also the nick it was registered with)
     * @param password its password
     */
    record IrcAccount(String name, String password) {
    }
}
