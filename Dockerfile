# IOP Finder app server. docs/DEPLOY.md walks through it; CI does not build it
# (no Docker on the CI machine), so keep it small and boring.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app
COPY pyproject.toml README.md ./
COPY finder ./finder
COPY streamlit_app.py ./
COPY .streamlit ./.streamlit
COPY data ./data
RUN pip install . \
    && useradd --create-home --uid 10001 finder \
    && mkdir -p /app/static /var/lib/finder \
    && chown -R finder /app/static /var/lib/finder

# The app writes its vendored map scripts and per-version program tables under
# /app/static, and this server's caches under FINDER_DATA_DIR. With
# FINDER_DATABASE_URL set, the dataset itself lives in PostgreSQL.
USER finder
ENV FINDER_DATA_DIR=/var/lib/finder
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "streamlit_app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true", "--server.fileWatcherType=none"]
