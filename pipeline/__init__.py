"""qualeval: reproducible qualitative evaluation pipeline."""
