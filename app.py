"""Run the LSTM Zoo web app: ``python app.py`` (http://127.0.0.1:7860 by default)."""
from zoo.app import build_app, main  # importing zoo turns telemetry off first (zoo.settings)

if __name__ == "__main__":
    main()
else:
    # Spaces and `gradio app.py` look for a module-level `demo`.
    demo = build_app()
