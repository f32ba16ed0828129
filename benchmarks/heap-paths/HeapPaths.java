import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.netbeans.lib.profiler.heap.FieldValue;
import org.netbeans.lib.profiler.heap.Heap;
import org.netbeans.lib.profiler.heap.HeapFactory;
import org.netbeans.lib.profiler.heap.Instance;
import org.netbeans.lib.profiler.heap.Value;

/**
 * Groups every object of a heap dump by its class and the chain of objects that refer to it (the
 * first referrer at each step, {@code depth} steps up), and prints the 120 largest groups: bytes,
 * count, chain. With N idle connections, a group whose count is a multiple of N is something each
 * connection keeps (docs/performance.md, tuning log 25). Sizes are the dump library's estimates
 * (larger than the JVM's own with compressed pointers); compare them with each other only.
 *
 * <p>Usage (Java 17+, single-file source; the library is on Maven Central):
 *
 * <pre>
 * mvn dependency:get -Dartifact=org.gridkit.jvmtool:hprof-heap:0.16
 * jmap -dump:live,format=b,file=heap.hprof PID
 * java -Xmx4g -cp ~/.m2/repository/org/gridkit/jvmtool/hprof-heap/0.16/hprof-heap-0.16.jar:\
 *   ~/.m2/repository/org/gridkit/gzrand/gzrand/0.2/gzrand-0.2.jar \
 *   benchmarks/heap-paths/HeapPaths.java heap.hprof [depth, default 3] [class-name regex]
 * </pre>
 *
 * <p>The regex matches the dump's class names, such as {@code byte[]} (quoted in the shell as
 * {@code 'byte\[\]'}) or {@code java.util.HashMap$Node} ({@code 'java.util.HashMap\$Node'}).
 */
public class HeapPaths {
  public static void main(String[] args) throws Exception {
    Heap heap = HeapFactory.createHeap(new File(args[0]));
    int depth = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String filter = args.length > 2 ? args[2] : null;
    Map<String, long[]> groups = new HashMap<>();
    for (Instance instance : heap.getAllInstances()) {
      String name = instance.getJavaClass().getName();
      if (filter != null && !name.matches(filter)) {
        continue;
      }
      long[] group = groups.computeIfAbsent(chain(instance, name, depth), k -> new long[2]);
      group[0]++;
      group[1] += instance.getSize();
    }
    groups.entrySet().stream()
        .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
        .limit(120)
        .forEach(e -> System.out.printf("%10d %8d %s%n", e.getValue()[1], e.getValue()[0], e.getKey()));
  }

  /** "class <- Referrer.field <- ...", with "(+n)" where an object has n more referrers. */
  private static String chain(Instance instance, String name, int depth) {
    StringBuilder key = new StringBuilder(name);
    Instance current = instance;
    for (int d = 0; d < depth; d++) {
      List<Value> refs = current.getReferences();
      if (refs.isEmpty()) {
        key.append(" <- (root)");
        break;
      }
      Value ref = refs.get(0);
      Instance owner = ref.getDefiningInstance();
      String via = ref instanceof FieldValue field ? "." + field.getField().getName() : "[]";
      key.append(" <- ").append(owner.getJavaClass().getName()).append(via);
      if (refs.size() > 1) {
        key.append("(+").append(Math.min(refs.size() - 1, 9)).append(")");
      }
      current = owner;
    }
    return key.toString();
  }
}
