"""What the app does, shared by the pages (web/) and the live events (live/): submit a note,
react to one, moderate, steer the groups, run the walk, manage workshops, gather results.
Each action checks the rules (`stations/`), stores the change (`store/`) and announces it
(`facts`)."""
