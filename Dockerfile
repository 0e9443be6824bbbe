# Build: docker build -t khu-phaen-sync .
# Run:   docker run --memory=100m -p 3001:3001 -v kp-data:/app/data khu-phaen-sync
#        (the JVM and the server's budgets are sized from the limit: docs/memory.md)
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
COPY bin/khu-phaen-sync /app/bin/khu-phaen-sync
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
# bin/khu-phaen-sync sizes the JVM from the container's memory limit (config.MemoryPlan, docs/memory.md),
# uses the class-data archive and the unpacked SQLite library above, and runs the server in its place.
ENTRYPOINT ["/app/bin/khu-phaen-sync"]
