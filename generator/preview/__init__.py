"""The live-reload preview server."""
