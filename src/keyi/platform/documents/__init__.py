"""Business documents as PDF: a layout engine (:mod:`.layout`) and the tenant's document
template (:mod:`.template`: letterhead, logo, accent colour, terms and footer texts)."""
