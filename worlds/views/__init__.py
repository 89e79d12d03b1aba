"""Views of worlds: pages (permalink, previews), creation (create, remix, edit, submit) and social actions."""
