from anjing.cli import main

main()
