"""The legal record and the projection that lists and reports read: SQLModel tables, sessions, migrations."""
