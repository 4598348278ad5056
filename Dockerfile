# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run as a non-root user in a distroless image
# that holds only glibc and CA certificates. SQLite, libpq and OpenSSL are compiled into
# the binary, so nothing else is needed at run time. No secret is baked in: configuration
# (HAMKARI_JWT_SECRET, HAMKARI_ADMIN_PASSWORD, …) comes from the environment at run time.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Build the dependencies first, so that a source change does not rebuild them.
COPY Cargo.toml Cargo.lock ./
# The bundled SQLite's compile options.
COPY .cargo .cargo
COPY crates/domain/Cargo.toml crates/domain/
COPY crates/persistence/Cargo.toml crates/persistence/
COPY crates/app/Cargo.toml crates/app/
COPY crates/http/Cargo.toml crates/http/
COPY bench/Cargo.toml bench/
RUN for c in crates/domain crates/persistence crates/app crates/http; do mkdir -p $c/src && touch $c/src/lib.rs; done \
 && mkdir -p bench/src src && echo 'fn main() {}' > bench/src/main.rs && echo 'fn main() {}' > src/main.rs \
 && cargo build --release --locked --bin hamkari \
 && rm -rf src crates bench
COPY . .
# Make cargo see the real sources as newer than the placeholders built above.
RUN find src crates bench -name '*.rs' -exec touch {} + \
 && cargo build --release --locked --bin hamkari \
 && mkdir -p /out/data && cp target/release/hamkari /out/hamkari

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/hamkari /usr/local/bin/hamkari
# A writable home for the SQLite default (data/hamkari.db) when no database URL is given.
COPY --from=build --chown=65532:65532 /out/data /app/data
WORKDIR /app
USER 65532:65532
ENV HAMKARI_BIND=0.0.0.0:8080 \
    HAMKARI_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/hamkari"]
CMD ["serve"]
