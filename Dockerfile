# Build: docker build -t khu-phaen-sync .
# Run:   docker run --memory=100m -p 3001:3001 -v kp-data:/app/data khu-phaen-sync
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY conf conf
COPY src src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin kp
WORKDIR /app
COPY --from=build /src/target/khu-phaen-sync.jar /app/khu-phaen-sync.jar
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
# JVM sized for a 100 MB memory limit; README "Deploy" shows this exact command, ProcessIT runs it.
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-Xss256k", "-Xms16m", "-Xmx64m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxDirectMemorySize=64m", "-XX:SharedArchiveFile=/app/kp.jsa", "-jar", "/app/khu-phaen-sync.jar"]
