# Sluice images (docs/deploy.md). Built by docker-compose.yml; not built in this repository's CI,
# which has no container engine.
#   runtime: the `sluice` binary on Debian slim with librdkafka 2.8 and hiredis
#   trainer: runtime plus Python with xgboost, for `sluice ct run` and scripts/train
# No credential is baked in: they come from the environment at run time (.env.example).

ARG SWIFT_IMAGE=swift:6.1-bookworm
ARG LIBRDKAFKA_VERSION=2.8.0

FROM ${SWIFT_IMAGE} AS build
ARG LIBRDKAFKA_VERSION
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential pkg-config curl ca-certificates python3 \
        libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev libsnappy-dev libhiredis-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
# Debian bookworm's librdkafka is 2.0.2; Sluice needs 2.1 or newer.
RUN curl -fsSL "https://github.com/confluentinc/librdkafka/archive/refs/tags/v${LIBRDKAFKA_VERSION}.tar.gz" \
        | tar -xz -C /tmp \
    && cd "/tmp/librdkafka-${LIBRDKAFKA_VERSION}" \
    && ./configure --prefix=/usr/local --install-deps=false --enable-ssl --enable-sasl --enable-zstd --enable-lz4-ext \
    && make -j"$(nproc)" && make install && ldconfig
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product sluice --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/sluice" /out/sluice

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends \
        ca-certificates curl libssl3 libsasl2-2 libzstd1 liblz4-1 zlib1g libsnappy1v5 libhiredis0.14 libsqlite3-0 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/lib/librdkafka.so.1 /usr/local/lib/
RUN ldconfig && useradd --system --home /var/lib/sluice --create-home sluice
COPY --from=build /out/sluice /usr/local/bin/sluice
COPY topologies /etc/sluice/topologies
COPY models /etc/sluice/models
USER sluice
WORKDIR /var/lib/sluice
ENTRYPOINT ["sluice"]
CMD ["doctor"]

FROM runtime AS trainer
USER root
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/sluice/.venv \
    && /opt/sluice/.venv/bin/pip install --no-cache-dir xgboost==3.2.0 pandas==2.3.3 pyarrow scikit-learn
COPY scripts/train /opt/sluice/scripts/train
COPY scripts/py/train_model.py /opt/sluice/scripts/py/train_model.py
ENV PATH="/opt/sluice/scripts:${PATH}"
USER sluice
