from orchestration.dashboard.launch import main

main()
