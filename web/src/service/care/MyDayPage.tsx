export default function MyDayPage() { return null; }
