"""Run the LSTM Zoo web app: ``python app.py`` (http://127.0.0.1:7860 by default)."""
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from zoo.app import build_app, main  # noqa: E402

if __name__ == "__main__":
    main()
else:
    # Spaces and `gradio app.py` look for a module-level `demo`.
    demo = build_app()
