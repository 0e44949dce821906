"""migrate: move Llama Stack deployments from VECTOR_STORE_* env vars to runConfig ConfigMaps."""

__version__ = "0.1.0"
