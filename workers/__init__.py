"""Worker processes: the Temporal worker and the reconciler that starts stored cases Temporal has not seen."""
