package app.khuphaen.sync.tools;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Random;
import java.util.UUID;

/**
 * A task list as the front end keeps it (a JSON object of tasks with ids, titles in Thai and English,
 * people, dates, tags and notes), of about a given size, the same for the same size: what the load
 * test and the benchmarks send as a document, so compression figures are those of a real one rather
 * than of a run of one repeated character.
 */
public final class SampleTaskList {
  private static final String[] WORDS = {"ประชุม", "ทีม", "แก้ไข", "รายงาน", "ลูกค้า", "ส่งงาน", "ออกแบบ", "ทดสอบ",
      "review", "deploy", "invoice", "backlog", "sprint", "design", "bug", "release", "budget", "call", "draft",
      "หน้าเว็บ", "ฐานข้อมูล", "เอกสาร", "สัญญา", "✅", "🔥", "urgent", "Q3", "follow-up"};
  private static final String[] PEOPLE = {"somchai", "malee", "anan", "kanya", "prasert", "nok", "alex", "june"};
  private static final String[] TAGS = {"work", "home", "client", "ops", "finance", "design", "งานด่วน"};

  private SampleTaskList() {}

  /** A task list whose JSON encoding is at least {@code bytes} long (UTF-8), usually a few hundred bytes more. */
  public static String of(int bytes) {
    Random random = new Random(bytes);
    JsonArray tasks = new JsonArray();
    JsonObject list = new JsonObject().put("version", 3).put("title", "Khu Phaen tasks").put("tasks", tasks);
    long created = Instant.parse("2026-01-05T08:00:00Z").toEpochMilli();
    int size = 0;
    while (size < bytes) {
      created += random.nextInt(3_600_000);
      JsonObject task = new JsonObject()
          .put("id", new UUID(random.nextLong(), random.nextLong()).toString())
          .put("title", words(random, 3 + random.nextInt(6)))
          .put("done", random.nextInt(3) == 0)
          .put("assignee", PEOPLE[random.nextInt(PEOPLE.length)])
          .put("created_at", Instant.ofEpochMilli(created).toString())
          .put("due", random.nextBoolean() ? Instant.ofEpochMilli(created + random.nextInt(1_000_000_000)).toString() : null)
          .put("priority", random.nextInt(4))
          .put("tags", new JsonArray().add(TAGS[random.nextInt(TAGS.length)]).add(TAGS[random.nextInt(TAGS.length)]))
          .put("notes", random.nextInt(4) == 0 ? words(random, 10 + random.nextInt(30)) : "");
      tasks.add(task);
      size += task.toBuffer().length() + 1;
    }
    return list.encode();
  }

  private static String words(Random random, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
    }
    return text.toString();
  }
}
