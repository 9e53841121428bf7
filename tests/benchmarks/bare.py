"""The reference for HTTP figures: a bare Flask app answering "hello", served the same way."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
