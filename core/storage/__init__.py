"""What the app keeps on disk: sessions in SQLite, their document versions, and demo scripts."""
