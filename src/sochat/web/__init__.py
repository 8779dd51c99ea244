"""Browser-facing assets shipped with sochat: the visitor widget, the agent console and
channel administration. Plain files (HTML, CSS, JavaScript, images) served by
``sochat.api.assets``; nothing here is built at run time and nothing needs Node."""
