# syntax=docker/dockerfile:1
#
# One image for every Samspill service: each program in /usr/local/bin, the
# deployment picks one with its entrypoint (deploy/compose.yaml,
# deploy/k8s/). Static binaries (CGO off; Graphviz is WebAssembly run by
# wazero, the fonts are embedded), on distroless/static, as the user
# nonroot (65532), no shell.
#
#   docker build -t samspill:dev .
#   docker build --build-arg VERSION=$(git describe --always) -t samspill:$(git describe --always) .
#
# Not built on the machines this repository is developed on (they have no
# Docker engine); tools/natsconf/deploy_test.go checks that it builds every
# service and that the deployments name only what it builds.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath

# The modules first, so that a change of code does not download them again.
COPY go.work go.work.sum ./
COPY pkg/go.mod pkg/go.sum pkg/
COPY schemas/go.mod schemas/go.sum schemas/
COPY services/auth/go.mod services/auth/go.sum services/auth/
COPY services/command/go.mod services/command/go.sum services/command/
COPY services/gap/go.mod services/gap/go.sum services/gap/
COPY services/graph/go.mod services/graph/go.sum services/graph/
COPY services/picture/go.mod services/picture/go.sum services/picture/
COPY services/samspill/go.mod services/samspill/go.sum services/samspill/
COPY services/web/go.mod services/web/go.sum services/web/
COPY tools/benchtable/go.mod tools/benchtable/go.sum tools/benchtable/
COPY tools/natsconf/go.mod tools/natsconf/go.sum tools/natsconf/
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    mkdir -p /out && \
    go build -ldflags="-s -w" -o /out/samspill-auth ./services/auth && \
    go build -ldflags="-s -w" -o /out/samspill-command ./services/command && \
    go build -ldflags="-s -w" -o /out/samspill-gap ./services/gap && \
    go build -ldflags="-s -w" -o /out/samspill-graph ./services/graph && \
    go build -ldflags="-s -w" -o /out/samspill-picture ./services/picture && \
    go build -ldflags="-s -w" -o /out/samspill-web ./services/web && \
    go build -ldflags="-s -w -X main.version=${VERSION}" -o /out/samspill ./services/samspill && \
    go build -ldflags="-s -w" -o /out/healthcheck ./tools/natsconf/healthcheck && \
    mkdir -p -m 0700 /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
# The working folder, the nonroot user's own (distroless has no mkdir):
# `samspill up` keeps its data in .samspill here unless told otherwise;
# the deployments mount their volumes below it.
COPY --from=build --chown=65532:65532 /data /var/lib/samspill
WORKDIR /var/lib/samspill
USER 65532:65532
# The samspill command line (samspill --help); a deployment runs one
# service with its own entrypoint, e.g. /usr/local/bin/samspill-command.
ENTRYPOINT ["/usr/local/bin/samspill"]
CMD ["--help"]
