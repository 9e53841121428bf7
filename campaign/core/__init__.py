"""What every domain uses: languages, links, Markdown, Dutch collation, errors, headers, time."""
