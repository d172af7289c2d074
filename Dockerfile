# The Abate application image: API, workers and the migration job (docker-compose.yml picks the command).

# Leaflet for the hot-spot map, from npm at the versions scripts/setup pins; the app serves it (no CDN).
FROM node:20-slim AS map-libraries
RUN npm install --prefix /vendor --no-audit --no-fund --save-exact leaflet@1.9.4 leaflet.markercluster@1.5.3

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Pango and a font for WeasyPrint, which prints the council report.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from the project metadata alone (no packages yet), so that a code change
# reuses this layer instead of reinstalling every dependency.
COPY pyproject.toml README.md ./
RUN pip install .

COPY alembic.ini ./
COPY api ./api
COPY activities ./activities
COPY adapters ./adapters
COPY config ./config
COPY domain ./domain
COPY records ./records
COPY services ./services
COPY workers ./workers
COPY workflows ./workflows
COPY templates ./templates
COPY --from=map-libraries /vendor/node_modules ./.tools/node_modules

# Editable, so that the installed package is this tree: the code finds alembic.ini, config/ and
# templates/ beside itself (config.settings.PROJECT_ROOT), which a copy in site-packages would lack.
# var/ and the document store are the only directories the application may write to; a named volume
# mounted on /data/documents takes the owner of the directory the image has there.
# Bytecode compiled once into the image: PYTHONDONTWRITEBYTECODE (above) stops Python writing it at run time,
# and the workers would otherwise compile every module from source in every process.
RUN pip install --no-deps --editable . \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q -j 0 activities adapters api config domain records services workers workflows \
    && useradd --system --uid 10001 --no-create-home --home-dir /app abate \
    && mkdir var /data /data/documents \
    && chown abate var /data/documents

USER abate
EXPOSE 8000
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000"]
