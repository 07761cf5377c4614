package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.hosting.store.SqlBridgedRooms.BridgedRoom;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link SqlBridgedRooms} does on every dialect. */
public abstract class BridgedRoomsContract {
    private static final Network LIBERA = Network.irc("libera");
    private static final UserId BOT = UserId.parse("@bot:hs");
    private static final UserId ADMIN = UserId.parse("@admin:hs");
    private static final RoomId ONE = RoomId.parse("!one:hs");
    private static final RoomId TWO = RoomId.parse("!two:hs");

    /** Where the databases are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @AfterEach
    void closeDatabases() {
        databases().close();
    }

    @Test
    void put_replacesWhatTheRoomOrTheChannelWasBridgedTo_andSurvivesARestart() {
        Database database = databases().openFresh();
        SqlBridgedRooms rooms = new SqlBridgedRooms(database);
        rooms.put(new BridgedRoom(ONE, LIBERA, "#a", ADMIN));
        rooms.put(new BridgedRoom(TWO, LIBERA, "#b", ADMIN));
        rooms.put(new BridgedRoom(ONE, LIBERA, "#b", BOT)); // the configuration moves #b to room one
        database.close();

        List<BridgedRoom> again = new SqlBridgedRooms(databases().open(database.config())).all();

        assertEquals(List.of(new BridgedRoom(ONE, LIBERA, "#b", BOT)), again);
    }

    @Test
    void remove_forgetsOnlyThatRoom() {
        SqlBridgedRooms rooms = new SqlBridgedRooms(databases().openFresh());
        rooms.put(new BridgedRoom(ONE, LIBERA, "#a", ADMIN));
        rooms.put(new BridgedRoom(TWO, LIBERA, "#b", ADMIN));

        assertTrue(rooms.remove(ONE));
        assertFalse(rooms.remove(ONE));
        assertEquals(List.of(new BridgedRoom(TWO, LIBERA, "#b", ADMIN)), rooms.all());
    }
}
