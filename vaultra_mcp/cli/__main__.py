from vaultra_mcp.cli import main

main()
