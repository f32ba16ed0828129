package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JDBC contract of a pooled connection around a break, on an in-memory H2 database. A real
 * break over the network is {@code DatabaseOutageIT}'s; here the physical connections go through a
 * cut-off switch, which makes every call on them (and on their statements) fail as a broken
 * connection does, and makes new ones fail to open.
 */
class ReconnectingConnectionTest {
  private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  private final List<Connection> opened = new ArrayList<>();
  private volatile boolean down;
  private Connection keepAlive;
  private Connection connection;

  @BeforeEach
  void open() throws SQLException {
    keepAlive = DriverManager.getConnection(url);
    try (Statement s = keepAlive.createStatement()) {
      s.execute("CREATE TABLE t (id INT)");
    }
    // never idle long enough to be checked: the idle check has a test of its own
    connection = ReconnectingConnection.open(this::physical, Long.MAX_VALUE);
  }

  @AfterEach
  void close() throws SQLException {
    connection.close();
    keepAlive.close();
  }

  /** A physical connection behind the cut-off switch. */
  private Connection physical() throws SQLException {
    if (down) {
      throw new SQLException("connection refused", "08001");
    }
    Connection real = DriverManager.getConnection(url);
    opened.add(real);
    return (Connection) cutOff(real, Connection.class);
  }

  private Object cutOff(Object target, Class<?> type) {
    return Proxy.newProxyInstance(
        getClass().getClassLoader(),
        new Class<?>[] {type},
        (proxy, method, args) -> {
          if (down && !method.getName().equals("close")) {
            throw new SQLNonTransientConnectionException("connection reset", "08006");
          }
          try {
            Object result = method.invoke(target, args);
            return result instanceof PreparedStatement ps
                ? cutOff(ps, PreparedStatement.class)
                : result instanceof Statement st ? cutOff(st, Statement.class) : result;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private int count() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private void insert(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("INSERT INTO t VALUES (1)");
    }
  }

  @Test
  void aConnectionThatBrokeOpensANewOneOnItsNextUse() throws SQLException {
    assertThat(count()).isZero();
    down = true;
    assertThatThrownBy(this::count)
        .satisfies(e -> assertThat(DatabaseFailures.unreachable(e)).isTrue());
    down = false;

    insert(connection);

    assertThat(count()).isEqualTo(1);
    assertThat(opened).hasSize(2);
    assertThat(opened.get(0).isClosed()).as("the broken one was let go").isTrue();
  }

  @Test
  void whileTheDatabaseStaysUnreachableEachUseFailsAsUnreachableAndNoneIsLeftOpen()
      throws SQLException {
    down = true;
    assertThatThrownBy(this::count)
        .satisfies(e -> assertThat(DatabaseFailures.unreachable(e)).isTrue());
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(this::count)
          .satisfies(e -> assertThat(DatabaseFailures.unreachable(e)).isTrue());
    }
    assertThat(connection.isValid(1)).isFalse();
    assertThat(connection.isClosed()).as("it opens again on its next use").isFalse();
    down = false;

    assertThat(count()).isZero();
    assertThat(opened).hasSize(2);
  }

  @Test
  void aFailureOfAStatementMarksTheConnectionItCameFrom() throws SQLException {
    PreparedStatement before = connection.prepareStatement("SELECT COUNT(*) FROM t");
    down = true;
    assertThatThrownBy(before::executeQuery)
        .satisfies(e -> assertThat(DatabaseFailures.unreachable(e)).isTrue());
    down = false;

    assertThat(count()).isZero();
    assertThat(opened).hasSize(2);
    // a statement of the old connection failing again does not mark the new one
    assertThatThrownBy(before::executeQuery).isInstanceOf(SQLException.class);
    assertThat(count()).isZero();
    assertThat(opened).hasSize(2);
  }

  @Test
  void aTransactionThatBrokeIsLostAndNotFinishedOnANewConnection() throws SQLException {
    connection.setAutoCommit(false);
    insert(connection);
    down = true;
    assertThatThrownBy(() -> insert(connection)).isInstanceOf(SQLException.class);
    down = false;

    assertThatThrownBy(() -> insert(connection))
        .satisfies(e -> assertThat(DatabaseFailures.unreachable(e)).isTrue());
    assertThatThrownBy(connection::commit)
        .satisfies(e -> assertThat(DatabaseFailures.unreachable(e)).isTrue());
    connection.rollback();
    connection.setAutoCommit(true);

    assertThat(count()).as("nothing of the broken transaction").isZero();
    insert(connection);
    assertThat(count()).isEqualTo(1);
  }

  @Test
  void anIdleConnectionThatDiedIsReplacedBeforeItsNextUse() throws SQLException {
    Connection checked = ReconnectingConnection.open(this::physical, 0);
    int session = sessionId(checked);
    try (Statement s = keepAlive.createStatement()) {
      s.execute("CALL ABORT_SESSION(" + session + ")");
    }

    assertThat(sessionId(checked)).as("a new session, at the first try").isNotEqualTo(session);
    assertThat(opened.get(1).isClosed()).as("the dead one was let go").isTrue();
    checked.close();
  }

  private static int sessionId(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT SESSION_ID()")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  @Test
  void aConnectionClosedWhileBrokenStaysClosed() throws SQLException {
    down = true;
    assertThatThrownBy(this::count).isInstanceOf(SQLException.class);
    connection.close();
    down = false;

    assertThat(connection.isClosed()).isTrue();
    assertThatThrownBy(this::count).isInstanceOf(SQLException.class);
    assertThat(opened).as("nothing opened after the close").hasSize(1);
  }
}
