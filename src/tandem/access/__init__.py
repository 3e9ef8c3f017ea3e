"""Who may see and change what: the role rules, below the selectors, services, pages and
the API, which all ask them (``tandem.access.permissions``)."""
