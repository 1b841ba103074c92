# Everyday commands; each goes through run.py, which sets up .venv first.
.PHONY: serve test lint bench eval
serve:
	python3 run.py serve
test:
	python3 run.py test
lint:
	python3 run.py lint
bench:
	python3 run.py bench
eval:
	python3 run.py eval
