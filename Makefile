PY ?= .venv/bin/python
LOCALE := platform/common/locale

.PHONY: messages
# Merge the per-area translation fragments into one catalogue and compile it (the .mo is committed).
messages:
	msgcat --use-first -o $(LOCALE)/zh_Hans/LC_MESSAGES/django.po $(LOCALE)/fragments/*.po
	msgfmt --check-format -o $(LOCALE)/zh_Hans/LC_MESSAGES/django.mo $(LOCALE)/zh_Hans/LC_MESSAGES/django.po
