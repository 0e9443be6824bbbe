# Build: docker build -t khu-phaen-sync .
# Run:   docker run --memory=256m -p 3001:3001 -v kp-data:/app/data khu-phaen-sync
#        (100m does not hold yet under large documents: docs/memory.md, "Under a real memory limit")
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY conf conf
COPY src src
RUN mvn -B -q package -DskipTests
# SQLite's native library for this platform, unpacked once here instead of into /tmp at every start
RUN mkdir -p target/native && cd target/native \
 && jar xf ../khu-phaen-sync.jar "org/sqlite/native/Linux/$(uname -m)/libsqlitejdbc.so" \
 && mv org/sqlite/native/Linux/*/libsqlitejdbc.so . && rm -rf org

FROM eclipse-temurin:17-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin kp
WORKDIR /app
COPY --from=build /src/target/khu-phaen-sync.jar /app/khu-phaen-sync.jar
COPY --from=build /src/target/native/libsqlitejdbc.so /app/native/libsqlitejdbc.so
COPY conf/config.json /app/conf/config.json
# Class-data sharing: one training start (stopped by SIGTERM, which exits 0 and writes the archive)
# roughly halves start-up (README "Performance"). Without the archive the JVM simply starts slower.
RUN PORT=3999 DATA_DIR=/tmp/cds-data timeout -s TERM 20 java -XX:ArchiveClassesAtExit=/app/kp.jsa \
      -jar /app/khu-phaen-sync.jar; test -f /app/kp.jsa && rm -rf /tmp/cds-data
RUN mkdir -p /app/data && chown kp:kp /app/data
USER kp
ENV PORT=3001
EXPOSE 3001
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/health" || exit 1
# JVM sized for a 100 MB memory limit (README "Performance" has the measurements); README "Deploy"
# shows this exact command, ProcessIT runs it. TieredStopAtLevel=1: the C1 compiler only, since C2's
# working memory alone would push 5,000 idle peers past the limit (it halves peak throughput, which
# stays far above the Node relays'). MaxNewSize: a young generation of at most 6 MB, so multi-MB
# documents go to the old generation, which HeapFreeRatio 40/70 keeps roomy enough that they do not
# force a full collection each (W4: 101-106 instead of 150-171 ms, for 1-2 MB more RSS with 5,000
# peers). TrimNativeHeapInterval: memory the JIT freed goes back to the OS within a second.
# ArchiveRelocationMode=0: the class-data archive is mapped where it was dumped rather than moved
# and rewritten at every start, so its pages stay the file's (clean, reclaimable under a memory
# limit) instead of 16 MiB of anonymous memory (docs/memory.md, "Under a real memory limit").
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss256k", "-Xms16m", "-Xmx64m", "-XX:MaxNewSize=6m", "-XX:MinHeapFreeRatio=40", "-XX:MaxHeapFreeRatio=70", "-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxDirectMemorySize=64m", "-XX:TrimNativeHeapInterval=1000", "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-XX:SharedArchiveFile=/app/kp.jsa", "-Dorg.sqlite.lib.path=/app/native", "-Dorg.sqlite.lib.name=libsqlitejdbc.so", "-jar", "/app/khu-phaen-sync.jar"]
