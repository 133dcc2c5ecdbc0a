"""Events: theme party days, micro-lectures, courses, service fairs with stalls and queues,
volunteer activities and home visits; sign-ups, the waiting list, check-in and check-out."""
